package answer

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/verbatimbot/verbatim/internal/fold"
)

// FuzzAppendKey checks appendKey against the plain statement of a
// question's key: folded and lower case, split on what is neither a letter
// nor a digit, joined by single spaces.
func FuzzAppendKey(f *testing.F) {
	for _, s := range []string{
		"What role do CGTN and Xinhua play?", "¿Qué pasó en Neuquén?", "  Sa\u0301ez -- x\u0301 ", "Straße/Œuvre 2024",
		"\xff\xfe word", "北京 🙂 emoji", "a\u0301\u0301b", "x …",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Join(strings.FieldsFunc(fold.Lower(s), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}), " ")
		if got := string(appendKey([]byte("kept "), s)); got != "kept "+want {
			t.Fatalf("appendKey(%q) = %q, want %q after the kept prefix", s, got, want)
		}
	})
}

// FuzzKeyIs checks keyIs, which stops at the first difference, against
// comparing appendKey's whole keys.
func FuzzKeyIs(f *testing.F) {
	for _, c := range [][2]string{
		{"What role do CGTN and Xinhua play?", "what role do CGTN and Xinhua play"},
		{"¿Qué pasó en Neuquén?", "Que paso en Neuquen …"}, {"Straße 2024", "strasse"},
		{"a\u0301\u0301b c", "ab"}, {"x", ""}, {"", "x"}, {"Why?", "why not"}, {"北京 🙂", "北京"},
	} {
		f.Add(c[0], c[1], false)
		f.Add(c[0], c[1], true)
	}
	f.Fuzz(func(t *testing.T, s, asked string, prefix bool) {
		want, have := appendKey(nil, asked), appendKey(nil, s)
		expect := bytes.Equal(have, want) || (prefix && bytes.HasPrefix(have, want))
		if got := keyIs(s, want, prefix); got != expect {
			t.Fatalf("keyIs(%q, key %q, prefix %v) = %v; the keys are %q and %q", s, want, prefix, got, have, want)
		}
	})
}
