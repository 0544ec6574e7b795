package bot

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/mdtext"
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
	if trail {
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

// bareURL finds web addresses in corpus text. Discord links them as they
// stand, backslashes included, so they are not escaped but put in <…>:
// shown as written (without the brackets), linked, and not unfurled.
var bareURL = regexp.MustCompile(`https?://[^\s<>]+`)

// plain escapes corpus text for a message (newlines kept).
func plain(s string) string {
	var b strings.Builder
	for {
		loc := bareURL.FindStringIndex(s)
		if loc == nil {
			break
		}
		u := s[loc[0]:loc[1]]
		// Punctuation that ends a sentence, or markdown, is not the address's.
		u = strings.TrimRight(u, `.,;:!?'"*_~|`)
		if !strings.Contains(u, "(") {
			u = strings.TrimRight(u, ")")
		}
		if strings.HasSuffix(u, "://") { // no address after the scheme
			b.WriteString(markdownEscaper.Replace(s[:loc[1]]))
			s = s[loc[1]:]
			continue
		}
		b.WriteString(markdownEscaper.Replace(s[:loc[0]]))
		b.WriteString("<" + u + ">")
		s = s[loc[0]+len(u):]
	}
	b.WriteString(markdownEscaper.Replace(s))
	// A line starting "- " or "1. " would become a list.
	lines := strings.Split(b.String(), "\n")
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

// escapeURL keeps a link's URL inside its markdown parentheses, and
// inside the angle brackets of an unembedded link.
var escapeURL = strings.NewReplacer(`(`, `%28`, `)`, `%29`, " ", "%20", "<", "%3C", ">", "%3E")

// linkTo renders label as a link to url, in bold when bold. The link is
// in <…>, so that Discord does not unfurl the page under the message
// (its preview would show words that are not quotations). Discord shows the
// backslashes of escapes inside a link's text as they are, so a label that
// needs escaping is written as text, escaped, with a short link after it.
func linkTo(label, url string, bold bool) string {
	label = strings.Join(strings.Fields(label), " ")
	target := "(<" + escapeURL.Replace(url) + ">)"
	em := ""
	if bold {
		em = "**"
	}
	if esc := plain(label); esc != label {
		return em + esc + em + " [↗]" + target
	}
	return em + "[" + label + "]" + target + em
}

// longLink is the longest question link kept in a heading when room is
// short: past it, the question is shown without its link rather than a
// quote dropped.
const longLink = 300

// heading is a hit's question, linked when there is a link (and it is no
// longer than maxLink), with who is quoted from which document.
func heading(h answer.Hit, maxLink int) string {
	var b strings.Builder
	asked := clip(strings.TrimSpace(mdtext.Shown(h.Asked)), 300)
	switch {
	case asked == "":
		b.WriteString("**From the introduction**")
	case h.Link != "" && len(h.Link) <= maxLink:
		b.WriteString(linkTo(asked, h.Link, true))
	default:
		fmt.Fprintf(&b, "**%s**", plain(strings.Join(strings.Fields(asked), " ")))
	}
	b.WriteString("\n— ")
	if h.Speaker != "" {
		b.WriteString(plain(clip(h.Speaker, 80)) + ", ")
	}
	fmt.Fprintf(&b, "*%s*", plain(clip(h.Title, 150)))
	return b.String()
}

// requoter quotes a hit's section again in at most n characters.
type requoter func(h answer.Hit, n int) string

// rendering is hits rendered as one message.
type rendering struct {
	text  string
	shown int    // the first shown hits are in it; the others did not fit
	cut   []bool // for each hit shown: its quote leaves part of its answer out
}

// minQuote is the least room a quote is given: with less, a hit is dropped
// rather than shown as a scrap.
const minQuote = 60

// renderHits renders hits as headings and block quotes within limit
// characters, after prefix. Room is shared out: a quote that fits takes
// what it needs, and what it leaves goes to the others. A quote given less
// than it needs is quoted again in that room by fit (for a question, the
// sentences of its answer that answer it; nil cuts the quote at sentence
// ends from its start). When room is short, long question links are left
// out before a hit is; hits are dropped from the end when even minQuote
// each does not fit.
func renderHits(hits []answer.Hit, prefix string, limit int, fit requoter) rendering {
	for n := len(hits); n > 0; n-- {
		for _, maxLink := range []int{math.MaxInt, longLink} {
			if r, ok := renderEach(hits[:n], prefix, limit, fit, maxLink); ok {
				return r
			}
		}
	}
	return rendering{text: hardClip(prefix+"(The answer is too long to show here.)", limit)}
}

// renderEach renders all of hits within limit, or reports that they do not fit.
func renderEach(hits []answer.Hit, prefix string, limit int, fit requoter, maxLink int) (rendering, bool) {
	n := len(hits)
	heads := make([]string, n)
	fixed := chars(prefix) + 2*(n-1) // a blank line between hits
	need := make([]int, n)
	for k, h := range hits {
		heads[k] = heading(h, maxLink)
		fixed += chars(heads[k]) + 1 // and the newline under it
		need[k] = chars(blockQuote(h.Quote))
	}
	room := limit - fixed
	if room < n*minQuote {
		return rendering{}, false
	}
	give := share(need, room)
	r := rendering{shown: n, cut: make([]bool, n)}
	parts := make([]string, n)
	for k, h := range hits {
		q := h.Quote
		if give[k] < need[k] {
			q = fitQuote(h, give[k], fit)
			r.cut[k] = true
		} else {
			r.cut[k] = !h.Whole
		}
		parts[k] = heads[k] + "\n" + blockQuote(q)
	}
	r.text = prefix + strings.Join(parts, "\n\n")
	return r, chars(r.text) <= limit
}

// fitQuote quotes h again so that its block quote takes at most room
// characters: the "> " of each line and the escapes count too. A nil fit
// cuts h's quote at sentence ends from its start.
func fitQuote(h answer.Hit, room int, fit requoter) string {
	if fit == nil {
		fit = func(h answer.Hit, n int) string { return cutQuote(h.Quote, n) }
	}
	budget := room
	for range 4 {
		q := fit(h, max(budget, 8))
		over := chars(blockQuote(q)) - room
		if over <= 0 {
			return q
		}
		budget -= over
	}
	return cutQuote(h.Quote, max(room/2, 8)) // escapes on every character: half is safe
}

// share divides room among quotes that need need characters each: the
// smallest take what they need, and the rest share what is left alike.
func share(need []int, room int) []int {
	order := make([]int, len(need))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(need[a], need[b]) })
	give := make([]int, len(need))
	for j, k := range order {
		give[k] = min(need[k], room/(len(order)-j))
		room -= give[k]
	}
	return give
}

// hardClip is the last resort for a message over the limit.
func hardClip(s string, n int) string {
	if chars(s) <= n {
		return s
	}
	if n < 1 {
		return ""
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
