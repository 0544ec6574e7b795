// Package quote cuts an answer to the sentences that matter: it splits text
// into sentences and picks the run of consecutive sentences that carries
// most of the question's weight, copied exactly, with an ellipsis where the
// answer was cut. It never changes a word.
package quote

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a byte range of a text.
type Span struct{ Start, End int }

// abbreviations end with a period that does not end a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "vs": true, "etc": true, "e.g": true, "i.e": true, "gen": true, "gov": true, "sen": true, "rep": true, "inc": true, "ltd": true,
	"co": true, "corp": true, "u.s": true, "u.k": true, "u.n": true, "a.m": true, "p.m": true,
	"approx": true, "dept": true, "est": true, "sra": true, "sres": true,
}

// numberAbbreviations end with a period that does not end a sentence when a
// number follows: "No. 11", "Vol. 2", "Art. 5".
var numberAbbreviations = map[string]bool{"no": true, "nos": true, "vol": true, "art": true, "fig": true, "p": true, "pp": true}

// Sentences splits text into sentences. A sentence ends at ".", "!", "?" or
// "…" (with any closing quotes or brackets after it) followed by white space
// and the start of a new sentence, at the ideographic "。", "！" and "？"
// (Chinese and Japanese put no space after them), and always at a blank
// line. Each span is
// trimmed of surrounding white space; the spans cover every word of text.
func Sentences(text string) []Span {
	var out []Span
	start := 0
	emit := func(end int) {
		s, e := trim(text, start, end)
		if s < e {
			out = append(out, Span{s, e})
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n' && strings.HasPrefix(strings.TrimLeft(text[i+1:], " \t\r"), "\n"):
			emit(i)
		case r == '。' || r == '！' || r == '？':
			end := i + n
			for end < len(text) {
				c, cn := utf8.DecodeRuneInString(text[end:])
				if !strings.ContainsRune("」』）”’", c) {
					break
				}
				end += cn
			}
			emit(end)
			i = end
			continue
		case r == '.' || r == '!' || r == '?' || r == '…':
			end := i + n
			for end < len(text) {
				c, cn := utf8.DecodeRuneInString(text[end:])
				if !strings.ContainsRune(")]\"'”’»", c) && c != '.' && c != '!' && c != '?' {
					break
				}
				end += cn
			}
			if isBoundary(text, i, r, end) {
				emit(end)
				i = end
				continue
			}
			i = end
			continue
		}
		i += n
	}
	emit(len(text))
	return out
}

// isBoundary reports whether the punctuation r at i, ending at end, closes
// a sentence.
func isBoundary(text string, i int, r rune, end int) bool {
	if end >= len(text) {
		return true
	}
	next, _ := utf8.DecodeRuneInString(text[end:])
	if !unicode.IsSpace(next) {
		return false // "5.5", "U.S.", "e.g.," …
	}
	rest := strings.TrimLeftFunc(text[end:], unicode.IsSpace)
	if rest == "" {
		return true
	}
	first, _ := utf8.DecodeRuneInString(rest)
	if unicode.IsLower(first) {
		return false // "U.S. providers", "etc. and"
	}
	if r == '.' {
		word := lastWord(text[:i])
		lw := strings.ToLower(word)
		if abbreviations[lw] || (numberAbbreviations[lw] && unicode.IsDigit(first)) {
			return false
		}
		// A single capital letter is an initial: "J. Smith".
		if utf8.RuneCountInString(word) == 1 && unicode.IsUpper([]rune(word)[0]) {
			return false
		}
	}
	return true
}

// lastWord returns the word before position i, dots inside it included
// ("U.S" for "U.S.").
func lastWord(s string) string {
	j := len(s)
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !(unicode.IsLetter(r) || r == '.') {
			break
		}
		j -= n
	}
	return strings.Trim(s[j:], ".")
}

func trim(text string, s, e int) (int, int) {
	for s < e {
		r, n := utf8.DecodeRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		s += n
	}
	for e > s {
		r, n := utf8.DecodeLastRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= n
	}
	return s, e
}
