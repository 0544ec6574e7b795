package answer

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/fold"
	"github.com/verbatimbot/verbatim/internal/mdtext"
	"github.com/verbatimbot/verbatim/internal/quote"
	"github.com/verbatimbot/verbatim/internal/textfrag"
)

// MaxQuestionChars is the longest question accepted, in characters. Longer
// text is refused rather than cut: what to drop is the user's choice.
const MaxQuestionChars = 1000

// Errors a question can be refused with; the message is for users.
var (
	ErrEmptyQuestion   = errors.New("the question is empty")
	ErrQuestionTooLong = fmt.Errorf("the question is longer than %d characters", MaxQuestionChars)
)

// Corpus gives the answerer the documents behind the index.
type Corpus interface {
	// Document returns the document with this id, if there is one.
	Document(id string) (*document.Document, bool)
	// Documents returns the documents answered in a server ("" for the
	// documents answered everywhere), in a stable order.
	Documents(server string) []*document.Document
}

// Options tune answering; zero fields take the defaults below.
type Options struct {
	MaxHits        int     // answers shown at most (3)
	MinCoverage    float64 // share of the question's weight the best answer must hold (DefaultMinCoverage)
	RelativeScore  float64 // further answers must score at least this share of the best (0.5)
	QuoteSentences int     // consecutive sentences per quote at most (3)
	QuoteChars     int     // characters per quote at most (600)
	Suggestions    int     // questions suggested when declining (3)
	// DocumentURL returns the page of a document that has no source URL,
	// or "" when there is none (no public base URL configured).
	DocumentURL func(d *document.Document) string
}

// DefaultMinCoverage was calibrated on the project's question set: see
// BENCHMARKS.md.
const DefaultMinCoverage = 0.25

func (o *Options) defaults() {
	if o.MaxHits <= 0 {
		o.MaxHits = 3
	}
	if o.MinCoverage == 0 {
		o.MinCoverage = DefaultMinCoverage
	}
	if o.RelativeScore == 0 {
		o.RelativeScore = 0.5
	}
	if o.QuoteSentences <= 0 {
		o.QuoteSentences = 3
	}
	if o.QuoteChars <= 0 {
		o.QuoteChars = 600
	}
	if o.Suggestions <= 0 {
		o.Suggestions = 3
	}
}

// Answer is the reply to one question.
type Answer struct {
	Question    string       `json:"question"`
	Answered    bool         `json:"answered"`
	Hits        []Hit        `json:"hits"`
	Suggestions []Suggestion `json:"suggestions"`
	// Terms are the question's terms as analysed, the weightiest first:
	// what QuoteFor takes to quote another section for the same question.
	Terms []string `json:"-"`
}

// Hit is one quoted answer.
type Hit struct {
	Ref      document.Ref `json:"-"`
	Document string       `json:"document"`
	Title    string       `json:"title"`
	Section  int          `json:"section"`
	Asked    string       `json:"asked"`   // the question the quote answers; "" for an introduction
	Asker    string       `json:"asker"`   // who asked it
	Speaker  string       `json:"speaker"` // who is quoted
	Quote    string       `json:"quote"`   // exact sentences, "…" where cut
	Whole    bool         `json:"whole"`   // the quote is the whole answer
	Link     string       `json:"link"`    // to the question in the source, "" when there is none
	Score    float64      `json:"score"`
	Coverage float64      `json:"coverage"` // share of the question's weight the section holds

	terms []int              // the question's terms the section holds, indexes into Ranking.Terms
	doc   *document.Document // the document as the search found it
}

// Suggestion is a question the corpus does answer.
type Suggestion struct {
	Document string `json:"document"`
	Section  int    `json:"section"`
	Question string `json:"question"`
}

// Answerer answers questions from an index and its corpus. It is safe for
// concurrent use.
type Answerer struct {
	idx    Index
	corpus Corpus
	opt    Options

	mu    sync.Mutex
	cache map[cacheKey]*analysed // analysed sections, bounded
}

type cacheKey struct {
	doc     *document.Document
	section int
}

type analysed struct {
	text   string       // what the quote is cut from
	tokens []Token      // its analysed terms
	sents  []quote.Span // its sentences
}

const cacheLimit = 4096

// New returns an answerer over idx and corpus.
func New(idx Index, corpus Corpus, opt Options) *Answerer {
	opt.defaults()
	return &Answerer{idx: idx, corpus: corpus, opt: opt, cache: map[cacheKey]*analysed{}}
}

// Clean makes outside text safe to search: invalid UTF-8 and control
// characters become spaces and surrounding space is trimmed. It returns
// ErrEmptyQuestion or ErrQuestionTooLong when the question cannot be asked.
func Clean(question string) (string, error) {
	q := strings.ToValidUTF8(question, " ")
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\uFEFF' {
			return ' '
		}
		return r
	}, q)
	q = strings.TrimSpace(q)
	if q == "" {
		return "", ErrEmptyQuestion
	}
	if utf8.RuneCountInString(q) > MaxQuestionChars {
		return "", ErrQuestionTooLong
	}
	return q, nil
}

// Ranking is the sections a question matched, best first, with the
// decision whether the best of them really answers it.
type Ranking struct {
	Question   string // the question as cleaned
	Terms      []Term
	Candidates []Hit // Ref, Score and Coverage set
	Answered   bool
}

// Search ranks up to k sections for question as asked in server ("" outside
// any server) and decides whether the corpus answers it. It returns
// ErrEmptyQuestion or ErrQuestionTooLong for a question it cannot take.
func (a *Answerer) Search(ctx context.Context, question, server string, k int) (Ranking, error) {
	q, err := Clean(question)
	if err != nil {
		return Ranking{}, err
	}
	var servers []string
	if server != "" {
		servers = []string{server}
	}
	res, err := a.idx.Search(ctx, Query{Text: q, Servers: servers, Limit: k})
	if err != nil {
		return Ranking{}, fmt.Errorf("search %q: %w", q, err)
	}
	rk := Ranking{Question: q, Terms: res.Terms}
	totals := map[string]float64{} // the question's weight per language
	for _, m := range res.Matches {
		d, ok := a.corpus.Document(m.Ref.Document)
		if !ok || (d.Server != "" && d.Server != server) {
			continue // the index is ahead of the corpus, or out of scope
		}
		if _, ok := d.Section(m.Ref.Section); !ok && m.Ref.Section != 0 {
			continue
		}
		total, ok := totals[m.Lang]
		if !ok {
			total = questionWeight(res.Terms, m.Lang)
			totals[m.Lang] = total
		}
		rk.Candidates = append(rk.Candidates, Hit{Ref: m.Ref, Score: m.Score,
			Coverage: coverage(res.Terms, m.Terms, total), terms: m.Terms, doc: d})
	}
	exact := askedVerbatim(q, rk.Candidates)
	if exact > 0 {
		rk.Candidates[0], rk.Candidates[exact] = rk.Candidates[exact], rk.Candidates[0]
	}
	rk.Answered = len(rk.Candidates) > 0 && (exact >= 0 || rk.Candidates[0].Coverage >= a.opt.MinCoverage)
	return rk, nil
}

// askedVerbatim returns the position of the candidate whose question is
// the one asked, word for word (case, accents and punctuation aside), or
// -1. People ask the corpus's own questions: autocomplete offers them, and
// such a question is answered by its own section first, whatever BM25 makes
// of sections that repeat its words. Autocomplete cuts questions over 100
// characters with "…", so a question ending in one matches the sections
// whose question starts with the rest. A question is matched as written
// and as its page shows it (mdtext.Shown: a link's address, which the page
// does not show, is no part of it), as the ask box suggests it.
func askedVerbatim(q string, cands []Hit) int {
	prefix := strings.HasSuffix(q, "…")
	want := appendKey(nil, strings.TrimSuffix(q, "…"))
	if utf8.RuneCount(want) < 8 {
		return -1 // too short to be a question of the corpus rather than a keyword
	}
	for i, c := range cands {
		s, ok := c.doc.Section(c.Ref.Section)
		if !ok {
			continue
		}
		if keyIs(s.Question, want, prefix) {
			return i
		}
		if shown := mdtext.Shown(s.Question); shown != s.Question && keyIs(shown, want, prefix) {
			return i
		}
	}
	return -1
}

// keyIs reports whether appendKey(nil, s) is want, or starts with it when
// prefix is set. It takes the key a piece at a time and stops at the
// first difference: most candidates' questions differ from the one asked
// within a few letters.
func keyIs(s string, want []byte, prefix bool) bool {
	n := 0 // the bytes of want matched so far
	for piece := range keyPieces(s) {
		if len(piece) > len(want)-n {
			// The key goes on past want: a match only as a prefix, and
			// only if what is left of want starts this piece.
			return prefix && bytes.HasPrefix(piece, want[n:])
		}
		if !bytes.Equal(piece, want[n:n+len(piece)]) {
			return false
		}
		n += len(piece)
	}
	return n == len(want)
}

// appendKey appends the question s reduced to its words: folded, lower
// case, separated by single spaces (fold.Lower, then the words as
// strings.FieldsFunc splits it on what is neither a letter nor a digit,
// joined by spaces; rune by rune, without the copies).
func appendKey(dst []byte, s string) []byte {
	for piece := range keyPieces(s) {
		dst = append(dst, piece...)
	}
	return dst
}

// keyPieces yields the key of s (see appendKey) a letter or digit at a
// time: each folded and in lower case, after a space where a word ended
// before it. A piece is valid until the next is asked for.
func keyPieces(s string) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		var buf [16]byte
		started, gap := false, false
		for _, r := range s {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				piece := buf[:0]
				if gap && started {
					piece = append(piece, ' ')
				}
				gap, started = false, true
				if !yield(fold.AppendLowerRune(piece, r)) {
					return
				}
			case r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r):
				// A combining mark: folding drops it, so it parts no words.
			default:
				gap = true
			}
		}
	}
}

// Ask answers question as asked in server ("" outside any server) with at
// most top answers (0 for the configured maximum). It returns
// ErrEmptyQuestion or ErrQuestionTooLong for a question it cannot take, and
// an Answer with Answered false, and suggestions, when the corpus does not
// answer it.
func (a *Answerer) Ask(ctx context.Context, question, server string, top int) (Answer, error) {
	if top <= 0 || top > 25 {
		top = a.opt.MaxHits
	}
	rk, err := a.Search(ctx, question, server, max(top*3, 10))
	if err != nil {
		return Answer{}, err
	}
	ans := Answer{Question: rk.Question, Hits: []Hit{}, Suggestions: []Suggestion{}}
	if rk.Answered {
		best := rk.Candidates[0].Score
		for _, h := range rk.Candidates {
			if len(ans.Hits) == top {
				break
			}
			if h.Coverage < a.opt.MinCoverage || h.Score < best*a.opt.RelativeScore {
				continue
			}
			if hit, ok := a.hit(h, rk.Terms); ok {
				ans.Hits = append(ans.Hits, hit)
			}
		}
		ans.Answered = len(ans.Hits) > 0
	}
	ans.Terms = termsByWeight(rk.Terms)
	if !ans.Answered {
		ans.Suggestions = a.suggest(rk.Candidates, server)
	}
	return ans, nil
}

// questionWeight is the weight of the whole question as analysed in lang:
// per word typed, its own weight, or for a word the corpus lacks, that of
// its best correction. A section is measured against the question in its
// own language, so a Spanish question is not held against Spanish sections
// because its words are unknown in English ones, and an English question
// gets no credit from Spanish sections for the few words both share.
func questionWeight(terms []Term, lang string) float64 {
	best := map[int]float64{}
	known := map[int]bool{}
	for _, t := range terms {
		if t.Lang != lang {
			continue
		}
		if !t.Corrected && t.DocFreq == 0 {
			if !known[t.Group] {
				best[t.Group] = max(best[t.Group], t.Weight)
			}
			continue
		}
		if !known[t.Group] {
			// A word with a correction weighs what the correction does.
			best[t.Group] = 0
			known[t.Group] = true
		}
		best[t.Group] = max(best[t.Group], t.Weight)
	}
	sum := 0.0
	for _, w := range best {
		sum += w
	}
	return sum
}

// coverage is the share of the question's weight that a section holds:
// per word, its weight if the section has it, or its correction's. has
// indexes terms.
func coverage(terms []Term, has []int, total float64) float64 {
	if total == 0 {
		return 0
	}
	got := map[int]float64{}
	for _, i := range has {
		if i >= 0 && i < len(terms) {
			t := terms[i]
			got[t.Group] = max(got[t.Group], t.Weight)
		}
	}
	sum := 0.0
	for _, w := range got {
		sum += w
	}
	return sum / total
}

// analysed returns the section's quotable text and its terms, from cache.
func (a *Answerer) analysed(d *document.Document, section int) *analysed {
	key := cacheKey{d, section}
	a.mu.Lock()
	an, ok := a.cache[key]
	a.mu.Unlock()
	if ok {
		return an
	}
	var text string
	if section == 0 {
		text = strings.Join(d.Intro, "\n\n")
	} else {
		s, ok := d.Section(section)
		if !ok {
			return nil
		}
		text = s.Answer()
	}
	an = &analysed{text: text, tokens: a.idx.Analyze(d.Meta.Language, text), sents: quote.Sentences(text)}
	a.mu.Lock()
	if len(a.cache) >= cacheLimit {
		clear(a.cache)
	}
	a.cache[key] = an
	a.mu.Unlock()
	return an
}

// hit fills in a candidate: its quote, question, speaker and link.
func (a *Answerer) hit(h Hit, terms []Term) (Hit, bool) {
	// The document as Search found it: it may have been removed or
	// replaced since, and a quote must come from the text that matched.
	d := h.doc
	if d == nil {
		return Hit{}, false
	}
	an := a.analysed(d, h.Ref.Section)
	if an == nil {
		return Hit{}, false
	}
	// Only the terms the section holds: those of its language.
	weights := make(map[string]float64, len(h.terms))
	for _, i := range h.terms {
		if i >= 0 && i < len(terms) {
			weights[terms[i].Text] = max(weights[terms[i].Text], terms[i].Weight)
		}
	}
	return a.quoted(h, d, an, weights, a.opt.QuoteChars), true
}

// QuoteFor returns section of d quoted as the answer to a question whose
// terms (Answer.Terms, or the first of them) are terms: the sentences that
// hold the most of them, each term counting alike, in at most maxChars
// characters (the Options' QuoteChars when maxChars is 0 or less). It is
// how a section found for a question is quoted later, when the question
// itself is gone (a button's state holds its terms), or in less room than
// the answer had; false when d has no such section.
func (a *Answerer) QuoteFor(d *document.Document, section int, terms []string, maxChars int) (Hit, bool) {
	an := a.analysed(d, section)
	if an == nil {
		return Hit{}, false
	}
	weights := make(map[string]float64, len(terms))
	for _, t := range terms {
		weights[t] = 1
	}
	if maxChars <= 0 {
		maxChars = a.opt.QuoteChars
	}
	return a.quoted(Hit{Ref: document.Ref{Document: d.ID, Section: section}}, d, an, weights, maxChars), true
}

// quoted fills in h, a section of d analysed as an, quoting the sentences
// that hold the most weight of the question's terms in at most maxChars.
func (a *Answerer) quoted(h Hit, d *document.Document, an *analysed, weights map[string]float64, maxChars int) Hit {
	var marks []quote.Mark
	for _, t := range an.tokens {
		if w, ok := weights[t.Term]; ok {
			marks = append(marks, quote.Mark{Start: t.Start, End: t.End, Term: t.Term, Weight: w})
		}
	}
	ex := quote.SelectIn(an.text, an.sents, marks, quote.Options{MaxSentences: a.opt.QuoteSentences, MaxChars: maxChars})
	h.Document, h.Title, h.Section = d.ID, d.Meta.Title, h.Ref.Section
	h.Quote, h.Whole = ex.Text, !ex.CutBefore && !ex.CutAfter
	if s, ok := d.Section(h.Ref.Section); ok {
		h.Asked, h.Asker, h.Speaker = s.Question, s.Asker, s.Answerer
		if h.Speaker == "" {
			h.Speaker = d.Meta.Interviewee
		}
	}
	h.Link = a.Link(d, h.Ref.Section)
	return h
}

// termsByWeight returns the distinct texts of the terms some section
// holds, the weightiest first (ties in the question's order). A word the
// corpus lacks has the largest weight and can mark nothing: left out, it
// leaves room for those that can (a typo's corrections among them).
func termsByWeight(terms []Term) []string {
	ts := slices.DeleteFunc(slices.Clone(terms), func(t Term) bool { return t.DocFreq == 0 })
	slices.SortStableFunc(ts, func(x, y Term) int { return cmp.Compare(y.Weight, x.Weight) })
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if !slices.Contains(out, t.Text) {
			out = append(out, t.Text)
		}
	}
	return out
}

// Link returns the link to a section of d: its question in the source page
// as a text fragment, or the document's own page with an anchor, or "".
func (a *Answerer) Link(d *document.Document, section int) string {
	target := ""
	if s, ok := d.Section(section); ok {
		target = s.Question
	} else if len(d.Intro) > 0 {
		target = firstWords(d.Intro[0], 8)
	}
	if d.Meta.SourceURL != "" {
		// The page shows the question rendered: **bold** as bold, no stars.
		return textfrag.Link(d.Meta.SourceURL, mdtext.Shown(target))
	}
	if a.opt.DocumentURL != nil {
		if page := a.opt.DocumentURL(d); page != "" {
			if section > 0 {
				return page + "#q" + fmt.Sprint(section)
			}
			return page
		}
	}
	return ""
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		w = w[:n]
	}
	return strings.Join(w, " ")
}

// suggest offers questions the corpus answers: those of the nearest
// sections first, then the opening questions of the documents.
func (a *Answerer) suggest(candidates []Hit, server string) []Suggestion {
	out := []Suggestion{}
	seen := map[document.Ref]bool{}
	asked := map[string]bool{} // a question two people answer is two sections, one suggestion
	add := func(d *document.Document, n int) {
		s, ok := d.Section(n)
		q := strings.Join(strings.Fields(fold.Lower(s.Question)), " ")
		if !ok || seen[document.Ref{Document: d.ID, Section: n}] || asked[d.ID+"\x00"+q] || len(out) >= a.opt.Suggestions {
			return
		}
		seen[document.Ref{Document: d.ID, Section: n}] = true
		asked[d.ID+"\x00"+q] = true
		out = append(out, Suggestion{Document: d.ID, Section: n, Question: s.Question})
	}
	for _, c := range candidates {
		if c.Coverage > 0 {
			if d, ok := a.corpus.Document(c.Ref.Document); ok {
				add(d, c.Ref.Section)
			}
		}
	}
	docs := slices.Concat(a.corpus.Documents(server), a.corpus.Documents(""))
	for n := 1; len(out) < a.opt.Suggestions; n++ {
		more := false
		for _, d := range docs {
			if n <= len(d.Sections) {
				more = true
				add(d, n)
			}
		}
		if !more {
			break
		}
	}
	return out
}

// DocumentPath is the path of a document's page under a public base URL.
func DocumentPath(base, id string) string {
	return strings.TrimRight(base, "/") + "/docs/" + url.PathEscape(id)
}
