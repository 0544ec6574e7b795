// Package textfrag builds links that take a browser to a passage of a web
// page: the page's URL with a text fragment (#:~:text=…, WICG "Text
// Fragments"), which the browser scrolls to and highlights.
package textfrag

import (
	"net/url"
	"strings"
	"unicode"
)

// Words of the question used at each end of the fragment when the question
// is long: enough to be unique on a page, few enough to survive small
// differences in how the page renders the rest.
const (
	startWords = 6
	endWords   = 4
)

// Link returns page with a text fragment selecting text (normally an
// interview question). A question of up to startWords+endWords words is
// selected whole; a longer one as "start,end" so the whole question is
// highlighted. Any fragment page already had is replaced. When page is not
// an absolute http(s) URL or text has no words, page is returned unchanged.
func Link(page, text string) string {
	u, err := url.Parse(page)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return page
	}
	words := strings.Fields(text)
	if len(words) == 0 {
		return page
	}
	u.Fragment, u.RawFragment = "", ""
	var directive string
	if len(words) <= startWords+endWords {
		directive = Encode(strings.Join(words, " "))
	} else {
		directive = Encode(strings.Join(words[:startWords], " ")) + "," +
			Encode(strings.Join(words[len(words)-endWords:], " "))
	}
	return u.String() + "#:~:text=" + directive
}

// Encode percent-encodes s for a text directive: every byte but ASCII
// letters, digits and ". _ ~" is encoded, which covers the characters the
// directive's syntax reserves ("&", ",", "-") and everything a URL
// fragment may not hold. Spaces become %20.
func Encode(s string) string {
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)) || c == '.' || c == '_' || c == '~') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
