// Package fold removes the accents of Latin letters, so that "Neuquen"
// matches "Neuquén" and "JOAQUIN SAEZ" matches "Joaquín Sáez". It is the
// project's one accent folding: the index, the transcript parser and the
// bot's autocomplete all use it.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with accented Latin letters replaced by their base
// letters and combining marks (of decomposed text) dropped. Case is kept.
// s itself is returned when there is nothing to fold.
func String(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if f, ok := table[r]; ok {
			b.WriteString(f)
		} else if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Lower returns s folded and in lower case: a key for comparing names and
// words whatever their accents and case.
func Lower(s string) string { return strings.ToLower(String(s)) }

// AppendLowerRune appends what Lower makes of the rune r: nothing for a
// combining mark, otherwise r folded and in lower case. Lower(s) is the
// runes of s each appended so (invalid UTF-8 as utf8.RuneError).
func AppendLowerRune(dst []byte, r rune) []byte {
	if uint32(r) < utf8.RuneSelf { // nothing to fold (the table's letters are not ASCII)
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	if f, ok := table[r]; ok {
		for _, c := range f {
			dst = utf8.AppendRune(dst, unicode.ToLower(c))
		}
		return dst
	}
	if unicode.Is(unicode.Mn, r) {
		return dst
	}
	return utf8.AppendRune(dst, unicode.ToLower(r))
}

var table = func() map[rune]string {
	groups := map[string]string{
		"a": "àáâãäåāăą", "A": "ÀÁÂÃÄÅĀĂĄ",
		"c": "çćĉċč", "C": "ÇĆĈĊČ",
		"d": "ďđ", "D": "ĎĐ",
		"e": "èéêëēĕėęě", "E": "ÈÉÊËĒĔĖĘĚ",
		"g": "ĝğġģ", "G": "ĜĞĠĢ",
		"h": "ĥħ", "H": "ĤĦ",
		"i": "ìíîïĩīĭįı", "I": "ÌÍÎÏĨĪĬĮİ",
		"j": "ĵ", "J": "Ĵ",
		"k": "ķ", "K": "Ķ",
		"l": "ĺļľŀł", "L": "ĹĻĽĿŁ",
		"n": "ñńņňŉ", "N": "ÑŃŅŇ",
		"o": "òóôõöøōŏő", "O": "ÒÓÔÕÖØŌŎŐ",
		"r": "ŕŗř", "R": "ŔŖŘ",
		"s": "śŝşšș", "S": "ŚŜŞŠȘ",
		"t": "ţťŧț", "T": "ŢŤŦȚ",
		"u": "ùúûüũūŭůűų", "U": "ÙÚÛÜŨŪŬŮŰŲ",
		"w": "ŵ", "W": "Ŵ",
		"y": "ýÿŷ", "Y": "ÝŶŸ",
		"z": "źżž", "Z": "ŹŻŽ",
		"ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
	}
	t := make(map[rune]string)
	for base, accented := range groups {
		for _, r := range accented {
			t[r] = base
		}
	}
	return t
}()
