package quote

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mark is a place in the text where a term of the question occurs.
type Mark struct {
	Start, End int
	Term       string
	Weight     float64
}

// Options bound an excerpt.
type Options struct {
	MaxSentences int // consecutive sentences at most (default 3)
	MaxChars     int // characters at most, ellipses included (default 600)
}

// Excerpt is the part of a text chosen to be quoted.
type Excerpt struct {
	Text          string // the quote: the chosen sentences exactly, with "…" where cut
	Start, End    int    // byte range of the chosen sentences in the text
	CutBefore     bool   // text before Start was left out
	CutAfter      bool   // text after End was left out
	Score         float64
	SentenceCount int
}

// Ellipsis marks where a quote was cut.
const Ellipsis = "…"

// Select picks the run of 1..MaxSentences consecutive sentences of text
// that covers the most question weight: each distinct term counts once, so
// a run that answers more of the question beats one that repeats a word.
// Among runs of equal weight the shorter wins, then the earlier. With no
// marks, the opening sentences are chosen. A single sentence longer than
// MaxChars is cut at a word boundary.
func Select(text string, marks []Mark, opt Options) Excerpt {
	return SelectIn(text, Sentences(text), marks, opt)
}

// SelectIn is Select with the sentences of text already split
// (Sentences(text)), for a text quoted again and again.
func SelectIn(text string, sents []Span, marks []Mark, opt Options) Excerpt {
	if opt.MaxSentences <= 0 {
		opt.MaxSentences = 3
	}
	if opt.MaxChars <= 0 {
		opt.MaxChars = 600
	}
	if len(sents) == 0 {
		return Excerpt{}
	}
	// Which marks fall in which sentence.
	per := make([][]Mark, len(sents))
	for _, m := range marks {
		for i, s := range sents {
			if m.Start >= s.Start && m.End <= s.End {
				per[i] = append(per[i], m)
				break
			}
		}
	}
	// The characters before each sentence's start and end, counted once:
	// a run's length is then a subtraction rather than a count.
	var small [64]int
	counts := small[:]
	if 2*len(sents) > len(small) {
		counts = make([]int, 2*len(sents))
	}
	starts, ends := counts[:len(sents)], counts[len(sents):2*len(sents)]
	pos, n := 0, 0
	before := func(b int) int {
		if b < pos { // not in order: count again from the start
			pos, n = 0, 0
		}
		n += chars(text[pos:b])
		pos = b
		return n
	}
	for k, s := range sents {
		starts[k], ends[k] = before(s.Start), before(s.End)
	}
	bestI, bestJ, bestScore := 0, 0, -1.0
	var seenTerms [8]string
	seen := seenTerms[:0] // the terms counted in the run: a handful
	for i := range sents {
		seen = seen[:0]
		score := 0.0
		for j := i; j < len(sents) && j < i+opt.MaxSentences; j++ {
			if j > i && ends[j]-starts[i]+2 > opt.MaxChars {
				break
			}
			for _, m := range per[j] {
				if !slices.Contains(seen, m.Term) {
					seen = append(seen, m.Term)
					score += m.Weight
				}
			}
			better := score > bestScore+1e-9
			if !better && score > bestScore-1e-9 {
				// Equal weight: fewer characters win.
				better = sents[j].End-sents[i].Start < sents[bestJ].End-sents[bestI].Start
			}
			if better {
				bestI, bestJ, bestScore = i, j, score
			}
		}
	}
	if bestScore <= 0 {
		// Nothing matched: open with as many sentences as fit.
		bestI, bestJ = 0, 0
		for j := 1; j < len(sents) && j < opt.MaxSentences; j++ {
			if ends[j]-starts[0]+2 > opt.MaxChars {
				break
			}
			bestJ = j
		}
		bestScore = 0
	}
	ex := Excerpt{
		Start: sents[bestI].Start, End: sents[bestJ].End,
		CutBefore: bestI > 0, CutAfter: bestJ < len(sents)-1,
		Score: bestScore, SentenceCount: bestJ - bestI + 1,
	}
	body := text[ex.Start:ex.End]
	budget := opt.MaxChars // less the ellipses
	if ex.CutBefore {
		budget -= 2
	}
	if ex.CutAfter {
		budget -= 2
	}
	if ends[bestJ]-starts[bestI] > budget { // chars(body), counted already
		if !ex.CutAfter {
			budget -= 2 // cut, it ends with one
		}
		body = cutWords(body, budget)
		ex.End = ex.Start + len(body)
		ex.CutAfter = true
	}
	var b strings.Builder
	if ex.CutBefore {
		b.WriteString(Ellipsis + " ")
	}
	b.WriteString(body)
	if ex.CutAfter {
		b.WriteString(" " + Ellipsis)
	}
	ex.Text = b.String()
	return ex
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// cutWords returns the longest prefix of s of at most n characters that ends
// at the end of a word, without a trailing comma, semicolon or colon. One
// enormous word is cut at n characters.
func cutWords(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if chars(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n; k++ {
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	head := s[:i]
	if next, _ := utf8.DecodeRuneInString(s[i:]); !unicode.IsSpace(next) {
		if j := strings.LastIndexFunc(head, unicode.IsSpace); j > 0 {
			head = head[:j]
		}
	}
	return strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == ':'
	})
}
