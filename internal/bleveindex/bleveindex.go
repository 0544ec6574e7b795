// Package bleveindex is the bleve adapter: it keeps the sections of the
// corpus in a scorch index, on disk or in memory, and answers the
// answerer's searches with BM25 over analysed terms. It is the only
// package that imports bleve.
package bleveindex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/fold"
)

// MappingVersion changes whenever the mapping or the analysis changes; an
// index built by another version is rebuilt.
const MappingVersion = "8"

// Field names. Each language has its own stemmed fields (see languages);
// these are English's.
const (
	fieldBody     = "body"     // title, question and answer, stemmed
	fieldQuestion = "question" // the question alone, stemmed
	fieldPlain    = "plain"    // the body's words unstemmed, in every language, for exact matches and spelling corrections
	fieldServer   = "server"   // owning server, or globalServer
)

const (
	analyzerStem  = "verbatim_en"
	analyzerPlain = "verbatim_plain"
	globalServer  = "*"
	versionKey    = "verbatim:mapping"
	statsKey      = "verbatim:stats"
	docKeyPrefix  = "verbatim:doc:"
)

// Errors Open and Remove return, wrapped.
var (
	ErrNotFound = errors.New("not in the index")
	ErrLocked   = errors.New("another process is using the index")
)

// Tuning holds the ranking parameters, chosen by measurement (see
// BENCHMARKS.md); DefaultTuning is what the product uses.
type Tuning struct {
	QuestionBoost  float64 // weight of a match in the question
	ExactBoost     float64 // weight of a match of a word as typed, unstemmed, in the body
	CorrectedBoost float64 // weight of a spelling correction relative to a typed term
	MaxCorrections int     // spelling corrections per unknown word
}

// DefaultTuning is the tuning measured best on the project's question set
// and the outside sets (BENCHMARKS.md): with BM25 as score.go computes it,
// a match in the question weighs half one in the body (which holds the
// question too), and a match of the word as typed adds a quarter of one.
var DefaultTuning = Tuning{QuestionBoost: 0.5, ExactBoost: 0.25, CorrectedBoost: 0.8, MaxCorrections: 3}

// Index is a bleve index of sections. It is safe for concurrent use.
type Index struct {
	idx    bleve.Index
	tuning Tuning
	stem   map[*language]analysis.Analyzer
	plain  analysis.Analyzer
	log    *slog.Logger

	mu    sync.RWMutex
	stats stats // true field lengths for BM25

	postings *postingsCache // decoded postings of common terms, and spelling corrections (postings.go)
}

// stats are the figures BM25 needs that bleve does not keep: how many
// sections there are and how many tokens each field holds in all.
type stats struct {
	Sections int            `json:"sections"`
	Tokens   map[string]int `json:"tokens"`
	Servers  map[string]int `json:"servers"` // sections per owning server
	Langs    map[string]int `json:"langs"`   // sections per language analysed
}

// docRecord is kept per document so it can be removed and compared.
type docRecord struct {
	Hash     string         `json:"hash"`
	Server   string         `json:"server"`
	Lang     string         `json:"lang"` // language analysed
	Sections int            `json:"sections"`
	Tokens   map[string]int `json:"tokens"`
}

// Open opens the index in dir, or creates an empty one there when there is
// none, when it cannot be opened (damaged) or when it was built with another
// mapping version. An empty dir means an index in memory. The second result
// is true when the index was created empty and needs every document.
func Open(dir string, tuning Tuning, log *slog.Logger) (*Index, bool, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMapping()
	if err != nil {
		return nil, false, err
	}
	if dir == "" {
		idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
		if err != nil {
			return nil, false, fmt.Errorf("create index in memory: %w", err)
		}
		x, err := wrap(idx, tuning, log)
		return x, true, err
	}
	// A second process must fail fast rather than wait forever on the lock.
	runtime := map[string]interface{}{"bolt_timeout": "2s"}
	idx, err := bleve.OpenUsing(dir, runtime)
	switch {
	case err == nil:
		v, verr := idx.GetInternal([]byte(versionKey))
		if verr == nil && string(v) == MappingVersion {
			x, err := wrap(idx, tuning, log)
			return x, false, err
		}
		log.Info("index built by another mapping version; rebuilding", "dir", dir, "found", string(v), "want", MappingVersion)
		_ = idx.Close()
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
	case isLockTimeout(err):
		return nil, false, fmt.Errorf("open index %s: %w (%v)", dir, ErrLocked, err)
	default:
		log.Warn("index damaged; rebuilding", "dir", dir, "err", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, false, fmt.Errorf("remove old index %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, false, fmt.Errorf("create index parent %s: %w", dir, err)
	}
	idx, err = bleve.NewUsing(dir, m, scorch.Name, scorch.Name, runtime)
	if err != nil {
		return nil, false, fmt.Errorf("create index %s: %w", dir, err)
	}
	if err := idx.SetInternal([]byte(versionKey), []byte(MappingVersion)); err != nil {
		_ = idx.Close()
		return nil, false, fmt.Errorf("create index %s: %w", dir, err)
	}
	x, err := wrap(idx, tuning, log)
	return x, true, err
}

// isLockTimeout reports bolt's lock timeout, which bleve passes on as
// text only.
func isLockTimeout(err error) bool {
	return err != nil && strings.Contains(err.Error(), "timeout")
}

func wrap(idx bleve.Index, tuning Tuning, log *slog.Logger) (*Index, error) {
	m := idx.Mapping()
	x := &Index{idx: idx, tuning: tuning, log: log,
		stem: map[*language]analysis.Analyzer{}, plain: m.AnalyzerNamed(analyzerPlain),
		postings: newPostingsCache(cacheBytes)}
	missing := x.plain == nil
	for _, l := range languages {
		x.stem[l] = m.AnalyzerNamed(l.analyzer)
		missing = missing || x.stem[l] == nil
	}
	if missing {
		_ = idx.Close()
		return nil, errors.New("index mapping lacks verbatim analyzers")
	}
	x.stats = stats{Tokens: map[string]int{}, Servers: map[string]int{}, Langs: map[string]int{}}
	if raw, err := idx.GetInternal([]byte(statsKey)); err == nil && raw != nil {
		if err := json.Unmarshal(raw, &x.stats); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("read index statistics: %w", err)
		}
		if x.stats.Tokens == nil {
			x.stats.Tokens = map[string]int{}
		}
		if x.stats.Servers == nil {
			x.stats.Servers = map[string]int{}
		}
		if x.stats.Langs == nil {
			x.stats.Langs = map[string]int{}
		}
	}
	return x, nil
}

func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	for _, l := range languages {
		if err := m.AddCustomAnalyzer(l.analyzer, map[string]interface{}{
			"type":          custom.Name,
			"tokenizer":     unicodetok.Name,
			"token_filters": l.filters,
		}); err != nil {
			return nil, err
		}
	}
	if err := m.AddCustomAnalyzer(analyzerPlain, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []string{lowercase.Name, foldName},
	}); err != nil {
		return nil, err
	}
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := bleve.NewKeywordFieldMapping()
	kw.Analyzer = keyword.Name
	kw.Store = false
	kw.IncludeInAll = false
	kw.DocValues = false

	dm := bleve.NewDocumentStaticMapping()
	for _, l := range languages {
		plain := text(analyzerPlain)
		plain.Name = fieldPlain // the body's text, analysed a second way
		dm.AddFieldMappingsAt(l.body, text(l.analyzer), plain)
		dm.AddFieldMappingsAt(l.question, text(l.analyzer))
	}
	dm.AddFieldMappingsAt(fieldServer, kw)
	m.DefaultMapping = dm
	m.DefaultAnalyzer = analyzerStem
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, m.Validate()
}

// Close closes the index.
func (x *Index) Close() error {
	x.postings.close()
	return x.idx.Close()
}

// Count is the number of indexed sections.
func (x *Index) Count() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.stats.Sections
}

// sectionDoc is one section as indexed: its body and question under the
// field names of its language, and its server.
type sectionDoc map[string]string

// sectionText is one section's text before indexing.
type sectionText struct{ body, question string }

// Hash is a fingerprint of everything about a document that the index
// holds; Sync reindexes a document whose hash has changed.
func Hash(d *document.Document) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(d)
	h.Write([]byte(MappingVersion))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func sectionTexts(d *document.Document) map[string]sectionText {
	out := make(map[string]sectionText, len(d.Sections)+1)
	if intro := strings.Join(d.Intro, "\n\n"); strings.TrimSpace(intro) != "" {
		body := d.Meta.Title + "\n\n" + intro
		out[document.Ref{Document: d.ID, Section: 0}.String()] = sectionText{body: body}
	}
	for i, s := range d.Sections {
		body := d.Meta.Title + "\n\n" + s.Question + "\n\n" + s.Answer()
		out[document.Ref{Document: d.ID, Section: i + 1}.String()] = sectionText{body: body, question: s.Question}
	}
	return out
}

// tokenCounts returns how many tokens text yields in the plain and in l's
// stemmed fields, from one pass of the plain analyser: stemming keeps every
// token, so the stemmed count is the plain one less the stop words.
func (x *Index) tokenCounts(l *language, text string) (plain, stemmed int) {
	if text == "" {
		return 0, 0
	}
	toks := x.plain.Analyze([]byte(text))
	stemmed = len(toks)
	for _, t := range toks {
		if l.stop[string(t.Term)] {
			stemmed--
		}
	}
	return len(toks), stemmed
}

// section is a section to index, with its token counts.
type section struct {
	id                    string
	text                  sectionText
	lang                  *language
	plain, body, question int
}

// countTokens counts the tokens of every section, on all cores when there
// are many: it analyses every body once more, which done in turn took a
// tenth of the time SciFact's abstracts took to index.
func (x *Index) countTokens(sections [][]section) {
	var all []*section
	for i := range sections {
		for j := range sections[i] {
			all = append(all, &sections[i][j])
		}
	}
	count := func(s *section) {
		s.plain, s.body = x.tokenCounts(s.lang, s.text.body)
		_, s.question = x.tokenCounts(s.lang, s.text.question)
	}
	workers := min(runtime.GOMAXPROCS(0), len(all)/64)
	if workers <= 1 {
		for _, s := range all {
			count(s)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(all)); i = next.Add(1) - 1 {
				count(all[i])
			}
		})
	}
	wg.Wait()
}

// Put indexes documents, replacing earlier versions of them.
func (x *Index) Put(docs ...*document.Document) error {
	hashes := make([]string, len(docs))
	for i, d := range docs {
		hashes[i] = Hash(d)
	}
	return x.put(docs, hashes)
}

// put indexes docs, whose hashes the caller computed, in one batch.
func (x *Index) put(docs []*document.Document, hashes []string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, d := range docs {
		if d.ID == "" {
			return errors.New("put: document without id")
		}
	}
	sections, langs := make([][]section, len(docs)), make([]*language, len(docs))
	for i, d := range docs {
		langs[i] = languageOf(d.Meta.Language)
		for id, st := range sectionTexts(d) {
			sections[i] = append(sections[i], section{id: id, text: st, lang: langs[i]})
		}
	}
	x.countTokens(sections)

	b := x.idx.NewBatch()
	for i, d := range docs {
		if old, ok, err := x.record(d.ID); err != nil {
			return err
		} else if ok {
			x.forget(b, d.ID, old)
		}
		l := langs[i]
		server := d.Server
		if server == "" {
			server = globalServer
		}
		rec := docRecord{Hash: hashes[i], Server: d.Server, Lang: l.code, Tokens: map[string]int{}}
		for _, s := range sections[i] {
			sd := sectionDoc{l.body: s.text.body, l.question: s.text.question, fieldServer: server}
			if err := b.Index(s.id, sd); err != nil {
				return fmt.Errorf("index %s: %w", s.id, err)
			}
			rec.Sections++
			rec.Tokens[l.body] += s.body
			rec.Tokens[fieldPlain] += s.plain
			rec.Tokens[l.question] += s.question
		}
		raw, _ := json.Marshal(rec)
		b.SetInternal([]byte(docKeyPrefix+d.ID), raw)
		x.stats.Sections += rec.Sections
		x.stats.Servers[rec.Server] += rec.Sections
		x.stats.Langs[rec.Lang] += rec.Sections
		for f, n := range rec.Tokens {
			x.stats.Tokens[f] += n
		}
	}
	return x.commit(b)
}

// Remove deletes a document and all its sections.
func (x *Index) Remove(id string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	old, ok, err := x.record(id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("remove %s: %w", id, ErrNotFound)
	}
	b := x.idx.NewBatch()
	x.forget(b, id, old)
	return x.commit(b)
}

// forget queues the removal of a document in b and takes it out of the
// statistics. The caller holds x.mu.
func (x *Index) forget(b *bleve.Batch, id string, rec docRecord) {
	for i := 0; i <= rec.Sections; i++ {
		b.Delete(document.Ref{Document: id, Section: i}.String())
	}
	b.DeleteInternal([]byte(docKeyPrefix + id))
	x.stats.Sections -= rec.Sections
	if x.stats.Servers[rec.Server] -= rec.Sections; x.stats.Servers[rec.Server] <= 0 {
		delete(x.stats.Servers, rec.Server)
	}
	if x.stats.Langs[rec.Lang] -= rec.Sections; x.stats.Langs[rec.Lang] <= 0 {
		delete(x.stats.Langs, rec.Lang)
	}
	for f, n := range rec.Tokens {
		x.stats.Tokens[f] -= n
	}
}

func (x *Index) commit(b *bleve.Batch) error {
	raw, _ := json.Marshal(x.stats)
	b.SetInternal([]byte(statsKey), raw)
	if err := x.idx.Batch(b); err != nil {
		// The statistics in memory may now be off; reload what was kept.
		if raw, gerr := x.idx.GetInternal([]byte(statsKey)); gerr == nil && raw != nil {
			_ = json.Unmarshal(raw, &x.stats)
		}
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

func (x *Index) record(id string) (docRecord, bool, error) {
	raw, err := x.idx.GetInternal([]byte(docKeyPrefix + id))
	if err != nil {
		return docRecord{}, false, fmt.Errorf("read index record %s: %w", id, err)
	}
	if raw == nil {
		return docRecord{}, false, nil
	}
	var rec docRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return docRecord{}, false, fmt.Errorf("read index record %s: %w", id, err)
	}
	return rec, true, nil
}

// Sync makes the index hold exactly docs: documents missing or changed are
// (re)indexed and documents the index holds but docs lacks are removed. It
// reports how many documents it indexed and removed.
func (x *Index) Sync(docs []*document.Document) (indexed, removed int, err error) {
	want := make(map[string]bool, len(docs))
	var put []*document.Document
	var hashes []string
	for _, d := range docs {
		want[d.ID] = true
		rec, ok, err := x.record(d.ID)
		if err != nil {
			return 0, 0, err
		}
		if h := Hash(d); !ok || rec.Hash != h {
			put = append(put, d)
			hashes = append(hashes, h)
		}
	}
	var stale []string
	err = x.visitRecords(func(id string) {
		if !want[id] {
			stale = append(stale, id)
		}
	})
	if err != nil {
		return 0, 0, err
	}
	for _, id := range stale {
		if err := x.Remove(id); err != nil {
			return 0, 0, err
		}
	}
	const chunk = 20000
	for len(put) > 0 {
		n := min(chunk, len(put))
		if err := x.put(put[:n], hashes[:n]); err != nil {
			return 0, 0, err
		}
		indexed += n
		put, hashes = put[n:], hashes[n:]
	}
	return indexed, len(stale), nil
}

// visitRecords calls fn with the id of every document the index holds.
func (x *Index) visitRecords(fn func(id string)) error {
	// bleve lists internal keys only through the index reader's document
	// ids; the section ids carry the document id before "#q".
	adv, err := x.idx.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	ids, err := r.DocIDReaderAll()
	if err != nil {
		return err
	}
	defer ids.Close()
	seen := map[string]bool{}
	for {
		iid, err := ids.Next()
		if err != nil {
			return err
		}
		if iid == nil {
			return nil
		}
		ext, err := r.ExternalID(iid)
		if err != nil {
			return err
		}
		if i := strings.LastIndex(ext, "#q"); i > 0 && !seen[ext[:i]] {
			seen[ext[:i]] = true
			fn(ext[:i])
		}
	}
}

// Analyze implements answer.Index: text is analysed as the index analyses
// documents in lang ("" is English).
func (x *Index) Analyze(lang, text string) []answer.Token {
	ts := x.stem[languageOf(lang)].Analyze([]byte(text))
	out := make([]answer.Token, len(ts))
	for i, t := range ts {
		out[i] = answer.Token{Term: string(t.Term), Start: t.Start, End: t.End}
	}
	return out
}

// maxQueryTerms bounds the work one question can cause.
const maxQueryTerms = 64

// corpusStats is what a search needs to know of the corpus: the sections
// per language and the tokens per field, for BM25.
type corpusStats struct {
	sections int
	langs    []*language    // languages some section is in; a question is analysed in each
	counts   map[string]int // sections per language code
	tokens   map[string]int // tokens per field
	others   []string       // servers whose sections must not be found
}

// avg is the average length of field, a field of l, over l's sections.
func (cs corpusStats) avg(l *language, field string) float64 {
	n := cs.counts[l.code]
	if n == 0 {
		return 0
	}
	return float64(cs.tokens[field]) / float64(n)
}

// snapshot takes the statistics a search of servers needs and a reader of
// the index they describe; the caller closes the reader.
func (x *Index) snapshot(servers []string) (corpusStats, index.IndexReader, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	// The reader is opened under the same lock as the statistics are read:
	// Put and Remove hold it across their batch, so both see the same
	// sections. Otherwise a server's first document committed in between
	// would be in the reader but not in the servers to leave out.
	adv, err := x.idx.Advanced()
	if err != nil {
		return corpusStats{}, nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return corpusStats{}, nil, fmt.Errorf("open index reader: %w", err)
	}
	cs := corpusStats{sections: x.stats.Sections, counts: map[string]int{}, tokens: map[string]int{}}
	for _, l := range languages {
		if n := x.stats.Langs[l.code]; n > 0 {
			cs.langs = append(cs.langs, l)
			cs.counts[l.code] = n
		}
	}
	for f, n := range x.stats.Tokens {
		cs.tokens[f] = n
	}
	allowed := map[string]bool{"": true}
	for _, s := range servers {
		allowed[s] = true
	}
	for s := range x.stats.Servers {
		if !allowed[s] {
			cs.others = append(cs.others, s)
		}
	}
	return cs, r, nil
}

// Search implements answer.Index. The question is analysed in every
// language the corpus holds; each language's terms are looked for in that
// language's fields.
func (x *Index) Search(ctx context.Context, q answer.Query) (answer.Result, error) {
	p, err := x.prepare(ctx, q)
	if err != nil {
		return answer.Result{}, err
	}
	defer p.r.Close()
	res := answer.Result{Terms: p.terms}
	if len(p.terms) == 0 {
		return res, nil
	}
	clauses := x.clauses(p.cs, p.terms, p.typed, p.langs)
	hits, missed, err := topK(ctx, p.r, x.postings, clauses, p.cs.others, p.limit)
	if err != nil {
		return answer.Result{}, fmt.Errorf("search: %w", err)
	}
	x.postings.fill(x.idx, missed)
	res.Matches = matchesOf(hits, p.terms)
	return res, nil
}

// prepared is a question read for a search: the statistics and a reader of
// the snapshot its servers see, the languages it is read in, its terms and
// its words as typed (none when no section is seen), and how many
// sections it wants.
type prepared struct {
	cs    corpusStats
	r     index.IndexReader
	langs []*language
	terms []answer.Term
	typed []typedWord
	limit int
}

// prepare reads q for a search. Unless it fails, the caller closes p.r.
func (x *Index) prepare(ctx context.Context, q answer.Query) (p prepared, err error) {
	p.limit = q.Limit
	if p.limit <= 0 {
		p.limit = 10
	}
	if p.cs, p.r, err = x.snapshot(q.Servers); err != nil {
		return prepared{}, err
	}
	if p.cs.sections == 0 {
		return p, nil
	}
	p.langs = x.questionLanguages(q.Text, p.cs.langs)
	if p.terms, p.typed, err = x.queryTerms(ctx, p.r, q.Text, p.langs, p.cs); err != nil {
		_ = p.r.Close()
		return prepared{}, err
	}
	return p, nil
}

// clauses are what a search scores: each term in its language's body
// field, and, weighted QuestionBoost, in its question field, and each word
// as typed, weighted ExactBoost, in the plain field (score.go).
func (x *Index) clauses(cs corpusStats, terms []answer.Term, typed []typedWord, langs []*language) []clause {
	fit := languageFit(terms, langs)
	out := make([]clause, 0, 2*len(terms)+len(typed))
	for ti, t := range terms {
		if t.DocFreq == 0 {
			continue // no section holds it in its body, nor then in its question
		}
		l := languageOf(t.Lang)
		w := fit[l.code]
		if t.Corrected {
			w *= x.tuning.CorrectedBoost
		}
		out = append(out, clause{field: l.body, term: t.Text, weight: w, n: float64(cs.counts[l.code]), avg: cs.avg(l, l.body), termIndex: ti})
	}
	// Then each body clause again in its question field: the order leaves
	// are summed in.
	if x.tuning.QuestionBoost > 0 {
		bodies := len(out)
		for _, c := range out[:bodies] {
			l := languageOf(terms[c.termIndex].Lang)
			c.field, c.weight, c.avg, c.question = l.question, c.weight*x.tuning.QuestionBoost, cs.avg(l, l.question), true
			out = append(out, c)
		}
	}
	return x.appendExactClauses(out, cs, terms, typed, fit)
}

// typedWord is a word of the question as typed (lower case, accents
// folded, not stemmed) and a term it gave in a language whose sections
// hold that term.
type typedWord struct {
	word string
	term int // index into the question's terms
}

// appendExactClauses appends to out the clauses that look for the
// question's words as typed in the plain field, over the sections of every
// language. Stemming conflates words that mean different things
// ("happened" and "happens" are both "happen"); a match of the very word
// typed is better evidence than one of its stem only, the way a search
// engine scores an unstemmed field beside the stemmed one. A word with
// forms in several languages is weighted by the best fit among them.
func (x *Index) appendExactClauses(out []clause, cs corpusStats, terms []answer.Term, typed []typedWord, fit map[string]float64) []clause {
	if x.tuning.ExactBoost <= 0 || cs.sections == 0 || cs.tokens[fieldPlain] == 0 {
		return out
	}
	n := float64(cs.sections)
	avg := float64(cs.tokens[fieldPlain]) / n
	at := map[string]int{} // word → its clause in out
	for _, tw := range typed {
		w := fit[languageOf(terms[tw.term].Lang).code] * x.tuning.ExactBoost
		if i, ok := at[tw.word]; ok {
			if w > out[i].weight {
				out[i].weight, out[i].termIndex = w, tw.term
			}
			continue
		}
		at[tw.word] = len(out)
		out = append(out, clause{field: fieldPlain, term: tw.word, weight: w, n: n, avg: avg, termIndex: tw.term})
	}
	return out
}

// languageFit weighs each language's terms by how much of the question
// that language's sections know, relative to the language that knows most
// of it: an English question's few words that Spanish sections share
// ("China", "Chile") must not lift those above the English sections that
// hold the rest. With one language it is 1.
func languageFit(terms []answer.Term, langs []*language) map[string]float64 {
	fit := map[string]float64{}
	if len(langs) == 1 {
		fit[langs[0].code] = 1
		return fit
	}
	best := 0.0
	for _, l := range langs {
		known, total := map[int]float64{}, map[int]float64{}
		for _, t := range terms {
			if t.Lang != l.code {
				continue
			}
			if t.DocFreq > 0 {
				known[t.Group] = max(known[t.Group], t.Weight)
			} else {
				total[t.Group] = max(total[t.Group], t.Weight)
			}
		}
		// As the answerer weighs a question: per word, its heaviest form
		// the corpus has, or when it has none, its heaviest form.
		k, n := 0.0, 0.0
		for _, w := range known {
			k += w
			n += w
		}
		for g, w := range total {
			if _, ok := known[g]; !ok {
				n += w
			}
		}
		if n > 0 {
			fit[l.code] = k / n
		}
		best = max(best, fit[l.code])
	}
	for code, f := range fit {
		if best > 0 {
			fit[code] = f / best
		} else {
			fit[code] = 1
		}
	}
	return fit
}

// questionLanguages returns the languages of langs a question is analysed
// in: all of them, unless its stop words are clearly one language's (two
// or more of that language's and none of another's), when the other is
// left out. "What is the capital of Australia?" is then not answered from
// a Spanish section that speaks of capital, while a bare "capital" or
// "Tianqi" is still looked for in every language.
func (x *Index) questionLanguages(text string, langs []*language) []*language {
	if len(langs) < 2 {
		return langs
	}
	count := make([]int, len(langs))
	best := 0
	for _, tok := range x.plain.Analyze([]byte(text)) {
		w := string(tok.Term)
		for i, l := range langs {
			if !l.stop[w] {
				continue
			}
			only := true
			for j, o := range langs {
				only = only && (j == i || !o.stop[w])
			}
			if only {
				count[i]++
				best = max(best, count[i])
			}
		}
	}
	if best < 2 {
		return langs
	}
	var out []*language
	for i, l := range langs {
		if count[i] > 0 {
			out = append(out, l)
		}
	}
	return out
}

func parseRef(id string) (document.Ref, bool) {
	i := strings.LastIndex(id, "#q")
	if i <= 0 {
		return document.Ref{}, false
	}
	n, err := strconv.Atoi(id[i+2:])
	if err != nil {
		return document.Ref{}, false
	}
	return document.Ref{Document: id[:i], Section: n}, true
}

// queryTerms analyses the question into distinct terms with their BM25
// inverse document frequency among the sections of their language, and
// adds spelling corrections for words the corpus does not have. It also
// returns the words as typed that gave a term some section holds.
//
// Each word of the question is analysed in every language of the corpus;
// its forms are alternatives and share a Group. A word that is a stop word
// in one language keeps its forms in the others only where the corpus has
// them ("sea" is a Spanish stop word, "once" an English one): the
// question's other words are what it is about.
func (x *Index) queryTerms(ctx context.Context, r index.IndexReader, text string, langs []*language, cs corpusStats) ([]answer.Term, []typedWord, error) {
	type key struct{ lang, term string }
	var out []answer.Term
	var typed []typedWord
	seen := map[key]int{} // term → its index in out
	group := -1
	// add adds a term unless it is there already; it reports the term's
	// document frequency, or -1 when it added nothing.
	add := func(l *language, term string, corrected, onlyKnown bool) (int, error) {
		k := key{l.code, term}
		if _, ok := seen[k]; ok || len(out) >= maxQueryTerms {
			return -1, nil
		}
		df, err := x.docFreq(ctx, r, l.body, term)
		if err != nil {
			return -1, err
		}
		if df == 0 && onlyKnown {
			return -1, nil
		}
		seen[k] = len(out)
		out = append(out, answer.Term{Text: term, Lang: l.code, Weight: idf(float64(cs.counts[l.code]), df),
			DocFreq: int(df), Corrected: corrected, Group: group})
		return int(df), nil
	}
	as := make([]analysis.Analyzer, 0, len(langs)+1)
	for _, l := range langs {
		as = append(as, x.stem[l])
	}
	streams := analyses([]byte(text), append(as, x.plain))
	// forms[i] maps the start of each word to its term in langs[i].
	forms := make([]map[int]string, len(langs))
	for i := range langs {
		forms[i] = make(map[int]string, len(streams[i]))
		for _, tok := range streams[i] {
			forms[i][tok.Start] = string(tok.Term)
		}
	}
	for _, tok := range streams[len(langs)] {
		stopped := false
		for i := range langs {
			if _, ok := forms[i][tok.Start]; !ok {
				stopped = true
			}
		}
		group++
		added, known := false, false
		for i, l := range langs {
			term, ok := forms[i][tok.Start]
			if !ok {
				continue
			}
			df, err := add(l, term, false, stopped)
			if err != nil {
				return nil, nil, err
			}
			added = added || df >= 0
			known = known || df > 0
			if j, ok := seen[key{l.code, term}]; ok && out[j].DocFreq > 0 {
				typed = append(typed, typedWord{word: string(tok.Term), term: j})
			}
		}
		if !added || known || stopped || x.tuning.MaxCorrections == 0 {
			continue // the corpus has the word, or it was asked already
		}
		word := fold.Lower(text[tok.Start:tok.End])
		for _, c := range x.corrections(r, word) {
			for _, l := range langs {
				for _, ct := range x.stem[l].Analyze([]byte(c)) {
					if _, err := add(l, string(ct.Term), true, true); err != nil {
						return nil, nil, err
					}
				}
			}
		}
	}
	return out, typed, nil
}

// analyses returns what each of as makes of text, splitting text into
// words once for those that share their tokenizer (all of the index's
// analysers use the unicode one and differ in their filters): the word
// segmentation costs more than the filters. Each gets its own copy of the
// words, as filters change tokens in place.
func analyses(text []byte, as []analysis.Analyzer) []analysis.TokenStream {
	out := make([]analysis.TokenStream, len(as))
	var tokenizer analysis.Tokenizer
	var words analysis.TokenStream
	for i, a := range as {
		da, ok := a.(*analysis.DefaultAnalyzer)
		if !ok || len(da.CharFilters) > 0 || da.Tokenizer == nil || (tokenizer != nil && da.Tokenizer != tokenizer) {
			out[i] = a.Analyze(text)
			continue
		}
		if tokenizer == nil {
			tokenizer, words = da.Tokenizer, da.Tokenizer.Tokenize(text)
		}
		ts := copyTokens(words)
		for _, f := range da.TokenFilters {
			ts = f.Filter(ts)
		}
		out[i] = ts
	}
	return out
}

// copyTokens copies ts, terms included, in two allocations; a term's
// capacity is its length, so appending to it cannot reach the next.
func copyTokens(ts analysis.TokenStream) analysis.TokenStream {
	n := 0
	for _, t := range ts {
		n += len(t.Term)
	}
	buf := make([]byte, 0, n)
	toks := make([]analysis.Token, len(ts))
	out := make(analysis.TokenStream, len(ts))
	for i, t := range ts {
		toks[i] = *t
		start := len(buf)
		buf = append(buf, t.Term...)
		toks[i].Term = buf[start:len(buf):len(buf)]
		out[i] = &toks[i]
	}
	return out
}

// corrections returns up to MaxCorrections words of the corpus within a
// small edit distance of word, most frequent first. Short words and words
// with digits get none: too many near neighbours, too little meaning. The
// corrections of a word are kept for the index snapshot r (postings.go):
// the words of one snapshot do not change, and finding them costs the
// most of a question with a word the corpus lacks.
func (x *Index) corrections(r index.IndexReader, word string) []string {
	n := utf8.RuneCountInString(word)
	if n < 4 || strings.IndexFunc(word, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return nil
	}
	if cs, ok := x.postings.corrections(r, word); ok {
		return cs
	}
	cs, err := x.findCorrections(r, word, n)
	if err == nil {
		x.postings.putCorrections(r, word, cs)
	}
	return cs
}

// findCorrections looks for the corrections of word, of n letters, in
// the term dictionary of r. On an error it returns those found so far.
func (x *Index) findCorrections(r index.IndexReader, word string, n int) ([]string, error) {
	fuzziness := 1
	if n >= 8 {
		fuzziness = 2
	}
	fr, ok := r.(index.IndexReaderFuzzy)
	if !ok {
		return nil, nil
	}
	// The first letter is rarely wrong; fixing it keeps the search small.
	first, _ := utf8.DecodeRuneInString(word)
	dict, err := fr.FieldDictFuzzy(fieldPlain, word, fuzziness, string(first))
	if err != nil {
		return nil, err
	}
	defer dict.Close()
	type cand struct {
		term  string
		count uint64
	}
	var cs []cand
	for {
		var e *index.DictEntry
		e, err = dict.Next()
		if err != nil || e == nil {
			break
		}
		if e.Term != word {
			cs = append(cs, cand{e.Term, e.Count})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].count > cs[j].count })
	var out []string
	for _, c := range cs {
		if len(out) == x.tuning.MaxCorrections {
			break
		}
		out = append(out, c.term)
	}
	return out, err
}

func (x *Index) docFreq(ctx context.Context, r index.IndexReader, field, term string) (uint64, error) {
	if n, ok := x.postings.count(r, cacheKey{field, term}); ok {
		return n, nil
	}
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, false, false, false)
	if err != nil {
		return 0, fmt.Errorf("read term %q: %w", term, err)
	}
	defer tfr.Close()
	return tfr.Count(), nil
}
