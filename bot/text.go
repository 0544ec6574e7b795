package bot

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/quote"
)

// Discord's limits.
const (
	maxContent     = 2000 // characters of message content
	maxCustomID    = 100
	maxChoices     = 25
	maxChoiceChars = 100
)

// chars counts characters as Discord does (close enough: code points).
func chars(s string) int { return utf8.RuneCountInString(s) }

// clip shortens s to at most n characters, at a word boundary when there is
// one, with "…". It is for labels (titles, questions), never for quotes.
func clip(s string, n int) string {
	if chars(s) <= n {
		return s
	}
	r := []rune(s)[:max(n-1, 0)]
	cut := string(r)
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + quote.Ellipsis
}

// cutQuote shortens a quote to at most n characters at sentence boundaries,
// with "…" where cut; the words it keeps are unchanged.
func cutQuote(q string, n int) string {
	if chars(q) <= n {
		return q
	}
	inner, lead := strings.CutPrefix(q, quote.Ellipsis+" ")
	inner, trail := strings.CutSuffix(inner, " "+quote.Ellipsis)
	budget := n
	if lead {
		budget -= 2
	}
	ex := quote.Select(inner, nil, quote.Options{MaxSentences: 1 << 20, MaxChars: max(budget, 8)})
	out := ex.Text
	if trail && !ex.CutAfter {
		out += " " + quote.Ellipsis
	}
	if lead {
		out = quote.Ellipsis + " " + out
	}
	return out
}

// blockQuote renders text as a Discord block quote, escaped so that it
// shows exactly as written.
func blockQuote(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + plain(l)
		}
	}
	return strings.Join(lines, "\n")
}

// markdownEscaper puts a backslash before every character Discord's
// markdown could take as formatting (emphasis, code, spoilers, masked
// links, headings, mentions and timestamps in <…>), so that corpus text
// shows as written: a quote with *asterisks* keeps them instead of turning
// italic. (Mentions cannot ping anyway: allowed_mentions is empty.)
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`,
	`[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`, `#`, `\#`)

// plain escapes corpus text for a message (newlines kept).
func plain(s string) string {
	s = markdownEscaper.Replace(s)
	// A line starting "- " or "1. " would become a list.
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		indent := l[:len(l)-len(t)]
		switch {
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "+ "):
			lines[i] = indent + "\\" + t
		case orderedItem(t) > 0: // "12. " becomes "12\. ": a digit cannot be escaped
			n := orderedItem(t)
			lines[i] = indent + t[:n] + "\\" + t[n:]
		}
	}
	return strings.Join(lines, "\n")
}

// orderedItem returns the length of the number when a line starts like
// "12. ", a numbered list item, and 0 otherwise.
func orderedItem(t string) int {
	n := 0
	for n < len(t) && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	if n > 0 && strings.HasPrefix(t[n:], ". ") {
		return n
	}
	return 0
}

// escapeLinkText keeps a question a link's text: escaped, on one line.
func escapeLinkText(s string) string { return plain(strings.ReplaceAll(s, "\n", " ")) }

// escapeURL keeps a link's URL inside its markdown parentheses, and
// inside the angle brackets of an unembedded link.
var escapeURL = strings.NewReplacer(`(`, `%28`, `)`, `%29`, " ", "%20", "<", "%3C", ">", "%3E")

// heading is a hit's question, linked when there is a link, with who is
// quoted from which document.
func heading(h answer.Hit) string {
	var b strings.Builder
	asked := clip(strings.TrimSpace(h.Asked), 300)
	switch {
	case asked == "":
		b.WriteString("**From the introduction**")
	case h.Link != "":
		fmt.Fprintf(&b, "**[%s](%s)**", escapeLinkText(asked), escapeURL.Replace(h.Link))
	default:
		fmt.Fprintf(&b, "**%s**", plain(asked))
	}
	b.WriteString("\n— ")
	if h.Speaker != "" {
		b.WriteString(plain(clip(h.Speaker, 80)) + ", ")
	}
	fmt.Fprintf(&b, "*%s*", plain(clip(h.Title, 150)))
	return b.String()
}

// renderHits renders hits as headings and block quotes within limit
// characters, cutting the quotes at sentence boundaries (and dropping the
// last hits if even that is not enough).
func renderHits(hits []answer.Hit, prefix string, limit int) string {
	for n := len(hits); n > 0; n-- {
		heads := make([]string, n)
		fixed := chars(prefix)
		for k := range n {
			heads[k] = heading(hits[k])
			fixed += chars(heads[k]) + 1 + 2 // newline, and the blank line between hits
		}
		per := (limit - fixed) / n
		if per < 60 {
			continue
		}
		parts := make([]string, n)
		for k := range n {
			// Each line costs "> ", each escaped character a backslash.
			budget := per - countLines(hits[k].Quote)*2 - (chars(plain(hits[k].Quote)) - chars(hits[k].Quote))
			parts[k] = heads[k] + "\n" + blockQuote(cutQuote(hits[k].Quote, budget))
		}
		out := prefix + strings.Join(parts, "\n\n")
		if chars(out) <= limit {
			return out
		}
	}
	return hardClip(prefix+"(The answer is too long to show here.)", limit)
}

// countLines is how many lines text has; each costs "> " in a block quote.
func countLines(text string) int { return strings.Count(strings.TrimSpace(text), "\n") + 1 }

// hardClip is the last resort for a message over the limit.
func hardClip(s string, n int) string {
	if chars(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + quote.Ellipsis
}

// words splits folded text into words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// count is n and the noun, singular or plural: "1 document", "3 documents".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
