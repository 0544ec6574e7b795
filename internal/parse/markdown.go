package parse

import (
	"strings"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/mdtext"
)

// mdBlock is a heading or a paragraph of a Markdown body.
type mdBlock struct {
	level int // 1-3 for a question heading, 0 for a paragraph
	text  string
	num   int
}

// markdownBlocks cuts a Markdown body into headings (levels 1-3) and
// paragraphs. Paragraph text is the source's lines as written; a fenced
// code block is one paragraph, blank lines and all. Thematic breaks
// separate paragraphs and are dropped; deeper headings (####) stay in the
// text of the answer.
func markdownBlocks(body []line) []mdBlock {
	var out []mdBlock
	var cur []line
	flush := func() {
		if len(cur) > 0 {
			if t := (para{lines: cur, sep: "\n"}).joinFrom(0, 0); t != "" {
				out = append(out, mdBlock{text: t, num: cur[0].num})
			}
			cur = nil
		}
	}
	fence := ""
	for _, l := range body {
		if fence != "" {
			cur = append(cur, l)
			if t := strings.TrimSpace(l.text); strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
				flush()
			}
			continue
		}
		if f := fenceOpening(l.text); f != "" {
			flush()
			fence = f
			cur = append(cur, l)
			continue
		}
		if isBlank(l.text) || isThematicBreak(l.text) {
			flush()
			continue
		}
		if level, text, ok := atxHeading(l.text); ok && level <= 3 {
			flush()
			if text != "" {
				out = append(out, mdBlock{level: level, text: text, num: l.num})
			}
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}

// fenceOpening returns the fence ("```" or "~~~", as long as written) that
// opens a code block on this line, or "".
func fenceOpening(s string) string {
	t := strings.TrimLeft(s, " ")
	if len(s)-len(t) > 3 {
		return ""
	}
	for _, c := range []string{"`", "~"} {
		n := len(t) - len(strings.TrimLeft(t, c))
		if n >= 3 {
			if c == "`" && strings.Contains(t[n:], "`") {
				return "" // inline code, not a fence
			}
			return t[:n]
		}
	}
	return ""
}

// parseMarkdown reads a Markdown article whose headings (# to ###) are the
// questions and whose paragraphs under each heading are the answer. A
// single H1 opening the document is its title, and the paragraphs under it
// the introduction; so are paragraphs before the first question. A heading
// directly followed by another heading groups questions and is not one
// itself. An article with no question headings under its title, as web and
// magazine interviews pasted into Markdown often are, has its questions as
// lines in bold ("**Why now?**") or as deeper headings (####).
func parseMarkdown(body []line) (result, error) {
	blocks := markdownBlocks(body)
	var res result
	h1, headings := 0, 0
	for _, b := range blocks {
		if b.level > 0 {
			headings++
		}
		if b.level == 1 {
			h1++
		}
	}
	if headings == 0 {
		return res, errorf(0, noHeadingsMsg)
	}
	if h1 == 1 && blocks[0].level == 1 {
		rest := blocks[1:]
		// A title is shown as rendered: "*Luis Gómez*" is Luis Gómez.
		if headings > 1 {
			res.title, blocks = mdtext.Shown(blocks[0].text), rest
		} else if promoted, n := questionLines(rest); n > 0 {
			res.title, blocks, headings = mdtext.Shown(blocks[0].text), promoted, n
		}
		// Otherwise the lone heading is the one question, as before.
	}
	var cur *document.Section
	for _, b := range blocks {
		switch {
		case b.level > 0:
			if cur != nil && len(cur.Paragraphs) > 0 {
				res.sections = append(res.sections, *cur)
			}
			cur = &document.Section{Question: b.text}
		case cur == nil:
			res.intro = append(res.intro, b.text)
		default:
			cur.Paragraphs = append(cur.Paragraphs, b.text)
		}
	}
	if cur != nil && len(cur.Paragraphs) > 0 {
		res.sections = append(res.sections, *cur)
	}
	if len(res.sections) == 0 {
		return res, errorf(0, "found %d headings but no answer under any of them: each question heading must be followed by its answer", headings)
	}
	return res, nil
}

// questionLines returns blocks with each paragraph that is a question
// line — wholly in bold, or a heading of level 4 to 6 — made a heading,
// its markup taken off, and how many there are.
func questionLines(blocks []mdBlock) ([]mdBlock, int) {
	out := make([]mdBlock, len(blocks))
	n := 0
	for i, b := range blocks {
		out[i] = b
		if b.level > 0 || strings.Contains(b.text, "\n") {
			continue
		}
		t := strings.TrimSpace(b.text)
		if level, text, ok := atxHeading(t); ok && level >= 4 && text != "" {
			out[i] = mdBlock{level: level, text: text, num: b.num}
			n++
			continue
		}
		for _, m := range []string{"**", "__"} {
			inner, ok := strings.CutPrefix(t, m)
			if inner, ok2 := strings.CutSuffix(inner, m); ok && ok2 && strings.TrimSpace(inner) != "" && !strings.Contains(inner, m) {
				out[i] = mdBlock{level: 4, text: strings.TrimSpace(inner), num: b.num}
				n++
				break
			}
		}
	}
	return out, n
}

// questionHeadings counts the headings (# to ###) that have a paragraph
// under them, for format detection.
func questionHeadings(body []line) int {
	n := 0
	blocks := markdownBlocks(body)
	for i, b := range blocks {
		if b.level > 0 && i+1 < len(blocks) && blocks[i+1].level == 0 {
			n++
		}
	}
	return n
}
