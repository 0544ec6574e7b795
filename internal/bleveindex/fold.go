package bleveindex

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// foldName is a token filter that removes diacritics from Latin letters, so
// "Neuquen" finds "Neuquén". It works on tokens, after tokenisation, so the
// byte offsets kept for highlighting and quoting still point into the
// original text (bleve's asciifolding char filter would shift them).
const foldName = "verbatim_fold"

func init() {
	registry.RegisterTokenFilter(foldName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	})
}

type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		tok.Term = foldBytes(tok.Term)
	}
	return in
}

// foldBytes returns b with accented Latin letters replaced by their base
// letters; b itself is returned when there is nothing to fold.
func foldBytes(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if f, ok := foldTable[r]; ok {
			out = append(out, f...)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// Fold returns s with diacritics removed the way the index folds terms.
func Fold(s string) string { return string(foldBytes([]byte(s))) }

var foldTable = func() map[rune]string {
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
		"s": "śŝşš", "S": "ŚŜŞŠ",
		"t": "ţťŧ", "T": "ŢŤŦ",
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
