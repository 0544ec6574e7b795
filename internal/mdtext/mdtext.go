// Package mdtext turns a line of Markdown into the text a reader sees of
// it, for what must match a rendered page: a text fragment that selects a
// question, a title.
package mdtext

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// [text](url), ![alt](url), [text][ref]: the text stays.
	link = regexp.MustCompile(`!?\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])`)
	// <https://…>: the address stays.
	autolink = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	// `code`: the code stays.
	code = regexp.MustCompile("`+([^`]+?)`+")
)

// Shown returns the text Markdown renders for s: links and images as
// their text, code spans as their code, emphasis without its * and _
// (only where they open or close emphasis, so snake_case and 2*3 stay),
// entities and backslash escapes read. HTML tags are kept: in a plain
// transcript, "<b>" is text. White space is kept as it is.
func Shown(s string) string {
	if !strings.ContainsAny(s, "*_`[]<>&\\") {
		return s
	}
	s = code.ReplaceAllString(s, "$1")
	s = link.ReplaceAllString(s, "$1")
	s = autolink.ReplaceAllString(s, "$1")
	s = emphasis(s)
	s = unescape(s)
	return html.UnescapeString(s)
}

// emphasis removes runs of * and _ that open or close emphasis: a run
// next to a word on one side and not the other (or, for *, inside a word
// too, as CommonMark allows).
func emphasis(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			b.WriteString(s[i : i+2]) // an escape: read later
			i += 2
			continue
		}
		if c != '*' && c != '_' {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == c {
			j++
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[j:])
		wordBefore := i > 0 && isWord(before)
		wordAfter := j < len(s) && isWord(after)
		spaceBefore := i == 0 || unicode.IsSpace(before)
		spaceAfter := j == len(s) || unicode.IsSpace(after)
		opens := !spaceAfter && (c == '*' || !wordBefore)
		closes := !spaceBefore && (c == '*' || !wordAfter)
		if c == '*' && wordBefore && wordAfter && !isDigit(before) {
			opens, closes = true, true // intra-word emphasis: *only* for *
		}
		if c == '*' && isDigit(before) && isDigit(after) {
			opens, closes = false, false // 2*3
		}
		if !opens && !closes {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// unescape reads Markdown's backslash escapes of punctuation.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_{}[]()#+-.!<>|~\"'", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isWord(r rune) bool  { return unicode.IsLetter(r) || unicode.IsDigit(r) }
func isDigit(r rune) bool { return r >= '0' && r <= '9' }
