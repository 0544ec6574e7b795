package parse

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// para is one paragraph of the body: consecutive non-blank lines.
type para struct {
	lines []line
	sep   string // how the lines join: "\n" (as written) or " " (pdftotext hard wraps)
}

// layout is the body cut into paragraphs, with the page furniture of a
// pdftotext transcript and the headings of a Markdown one removed.
type layout struct {
	paras []para
	pdf   bool   // labels only start paragraphs: a line-numbered pdftotext layout, or subtitle cues grouped by speaker
	title string // a Markdown H1 that opens the body
}

// joinFrom joins the paragraph's lines from line i, starting at byte off of
// that line, and trims the result.
func (p para) joinFrom(i, off int) string {
	if i == len(p.lines)-1 {
		return strings.TrimSpace(p.lines[i].text[off:])
	}
	var b strings.Builder
	b.WriteString(p.lines[i].text[off:])
	for _, l := range p.lines[i+1:] {
		b.WriteString(p.sep)
		b.WriteString(l.text)
	}
	return strings.TrimSpace(b.String())
}

func buildLayout(body []line) layout {
	if isSubtitles(body) {
		return subtitleLayout(body)
	}
	if isNumbered(body) {
		return pdfLayout(body)
	}
	return plainLayout(body)
}

// plainLayout splits the body on blank lines. Markdown headings and
// thematic breaks separate paragraphs and are dropped; an H1 before any
// other text is kept as the title.
func plainLayout(body []line) layout {
	var lay layout
	var cur []line
	flush := func() {
		if len(cur) > 0 {
			lay.paras = append(lay.paras, para{lines: cur, sep: "\n"})
			cur = nil
		}
	}
	seenText := false
	for _, l := range body {
		if isBlank(l.text) {
			flush()
			continue
		}
		if level, text, ok := atxHeading(l.text); ok {
			flush()
			if level == 1 && !seenText && lay.title == "" {
				lay.title = text
			}
			seenText = true
			continue
		}
		if isThematicBreak(l.text) {
			flush()
			continue
		}
		seenText = true
		cur = append(cur, l)
	}
	flush()
	return lay
}

// lineNumber splits a pdftotext transcript line into its margin number
// (1-30, right-aligned in two columns) and the rest. The rest must be empty
// or start with at least two spaces, which tells the numbered lines from an
// index ("4 78:10") or a centred page number.
func lineNumber(s string) (int, string, bool) {
	s = strings.TrimLeft(s, "\f")
	i := 0
	if strings.HasPrefix(s, " ") {
		i = 1
	}
	j := i
	for j < len(s) && j < i+2 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i || (j == i+2 && i == 1) {
		return 0, "", false
	}
	n := 0
	for _, c := range s[i:j] {
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 30 {
		return 0, "", false
	}
	rest := s[j:]
	if isBlank(rest) {
		return n, "", true
	}
	if !strings.HasPrefix(rest, "  ") && !strings.HasPrefix(rest, "\t") {
		return 0, "", false
	}
	return n, rest, true
}

// isNumbered reports whether the body is a line-numbered transcript as
// pdftotext -layout makes of court transcripts: most non-blank lines start
// with a margin number, mostly in sequence.
func isNumbered(body []line) bool {
	nonBlank, numbered, inSeq, prev := 0, 0, 0, 0
	for _, l := range body {
		if isBlank(l.text) {
			continue
		}
		nonBlank++
		n, _, ok := lineNumber(l.text)
		if !ok {
			continue
		}
		numbered++
		if n == prev+1 || n == 1 {
			inSeq++
		}
		prev = n
	}
	return numbered >= 10 && 2*numbered >= nonBlank && 4*inSeq >= 3*numbered
}

// pdfLayout keeps only the numbered lines, drops the margin numbers, page
// headers, footers and index, collapses the layout's runs of spaces, and
// starts a paragraph at every indented line. Centred capitalised headings
// ("ORAL ARGUMENT OF …") and the reporter's "(Whereupon, …)" notes are
// dropped.
func pdfLayout(body []line) layout {
	lay := layout{pdf: true}
	cols := map[int]int{}
	for _, l := range body {
		if _, rest, ok := lineNumber(l.text); ok && rest != "" {
			cols[indentCol(l.text, rest)]++
		}
	}
	// The text margin: the leftmost column that holds a fair share (5%) of
	// the lines, so that a stray outdented line does not set it.
	total := 0
	for _, n := range cols {
		total += n
	}
	columns := slices.Sorted(maps.Keys(cols))
	base := 0
	for _, c := range columns {
		if 20*cols[c] >= total {
			base = c
			break
		}
	}
	var cur []line
	flush := func() {
		if len(cur) > 0 {
			lay.paras = append(lay.paras, para{lines: cur, sep: " "})
			cur = nil
		}
	}
	skipNote := false
	for _, l := range body {
		_, rest, ok := lineNumber(l.text)
		if !ok {
			continue // header, footer, page number, word index
		}
		if rest == "" {
			// Blank numbered lines pad the last page and separate nothing:
			// only indentation starts a paragraph.
			continue
		}
		text := strings.Join(strings.Fields(rest), " ")
		if indentCol(l.text, rest) >= base+4 {
			flush()
			if isCapsHeading(text) {
				continue
			}
			if strings.HasPrefix(text, "(Whereupon") {
				// The reporter's closing note, not anyone's words: skip it
				// to the next paragraph.
				skipNote = true
				continue
			}
			skipNote = false
		}
		if skipNote {
			continue
		}
		cur = append(cur, line{text: text, num: l.num})
	}
	flush()
	return lay
}

// indentCol is the column where the text after the margin number starts.
func indentCol(full, rest string) int {
	full = strings.TrimLeft(full, "\f")
	return len(full) - len(rest) + len(rest) - len(strings.TrimLeft(rest, " \t"))
}

// isCapsHeading reports whether s is a capitalised heading such as "ORAL
// ARGUMENT OF ROBERT A. LONG" or "P R O C E E D I N G S" rather than speech.
func isCapsHeading(s string) bool {
	if _, ok := parseLabel(s); ok {
		return false
	}
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 8 && len(strings.Fields(s)) >= 3
}

// atxHeading recognises a Markdown ATX heading ("## Text ##") and returns
// its level and text.
func atxHeading(s string) (int, string, bool) {
	t := strings.TrimLeft(s, " ")
	if len(s)-len(t) > 3 || !strings.HasPrefix(t, "#") {
		return 0, "", false
	}
	level := len(t) - len(strings.TrimLeft(t, "#"))
	if level > 6 {
		return 0, "", false
	}
	rest := t[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false
	}
	rest = strings.TrimSpace(rest)
	// A closing sequence of #s preceded by a space is not part of the text.
	if trimmed := strings.TrimRight(rest, "#"); trimmed != rest && (trimmed == "" || strings.HasSuffix(trimmed, " ") || strings.HasSuffix(trimmed, "\t")) {
		rest = strings.TrimSpace(trimmed)
	}
	return level, rest, true
}

// isThematicBreak recognises a Markdown horizontal rule: "---", "* * *", "___".
func isThematicBreak(s string) bool {
	t := strings.TrimSpace(s)
	if len(s)-len(strings.TrimLeft(s, " ")) > 3 || len(t) < 3 {
		return false
	}
	c := t[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	n := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case c:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}
