package mdtext

import (
	"testing"
	"unicode/utf8"
)

func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		"What is *soft power*, according to [Nye](https://example.org/nye)?": "What is soft power, according to Nye?",
		"Why **now**, and why __here__?":                                     "Why now, and why here?",
		"Is `5G` the issue?":                                                 "Is 5G the issue?",
		"snake_case and 2*3 and a * b stay":                                  "snake_case and 2*3 and a * b stay",
		"An interview with *Luis Gómez* about [soft power](https://x.org)":   "An interview with Luis Gómez about soft power",
		`Escaped \*stars\* and AT&amp;T`:                                     "Escaped *stars* and AT&T",
		"See <https://x.org/a_b> and ![a map](m.png) and [ref][1]":           "See https://x.org/a_b and a map and ref",
		"A <em>tag</em> here":                                                "A <em>tag</em> here",
		"Plain question?":                                                    "Plain question?",
		"un*frigging*believable":                                             "unfriggingbelievable",
	} {
		if got := Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzShown(f *testing.F) {
	for _, s := range []string{"*a*", "[x](y)", "`c`", "\\*", "&amp;", "a_b_c", "**"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Shown(s)
		if len(out) > len(s)+len(s)/2+8 { // entities can only shrink; nothing grows much
			t.Fatalf("Shown(%q) grew to %q", s, out)
		}
		if Shown(s) != out {
			t.Fatal("not deterministic")
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Shown(%q) = %q: not UTF-8", s, out)
		}
	})
}
