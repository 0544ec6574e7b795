package fold

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"plain ASCII":    "plain ASCII",
		"Neuquén":        "Neuquen",
		"Joaquín Sáez":   "Joaquin Saez",
		"ÁRBOL ÑANDÚ":    "ARBOL NANDU",
		"Straße, Œuvre":  "Strasse, OEuvre",
		"Timișoara":      "Timisoara",
		"Sa\u0301ez":     "Saez", // decomposed accent
		"北京 and emoji 🙂": "北京 and emoji 🙂",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Lower("JOAQUÍN Sáez"); got != "joaquin saez" {
		t.Errorf("Lower = %q", got)
	}
}

func FuzzString(f *testing.F) {
	f.Add("Neuquén")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		once := String(s)
		if String(once) != once {
			t.Fatalf("folding %q twice changes it: %q then %q", s, once, String(once))
		}
	})
}

// FuzzAppendLowerRune checks that Lower is its runes each lowered by
// AppendLowerRune (callers compare keys rune by rune without Lower).
func FuzzAppendLowerRune(f *testing.F) {
	for _, s := range []string{"Neuquén", "JOAQUÍN Sa\u0301ez", "Straße, Œuvre İ", "\xff\xfeA", "北京 🙂"} {
		f.Add(s)
	}
	ascii := make([]byte, utf8.RuneSelf) // every ASCII byte, which takes a path of its own
	for i := range ascii {
		ascii[i] = byte(i)
	}
	f.Add(string(ascii))
	f.Fuzz(func(t *testing.T, s string) {
		var b []byte
		for _, r := range s {
			b = AppendLowerRune(b, r)
		}
		if want := Lower(s); string(b) != want {
			t.Fatalf("runes of %q lowered one by one: %q, Lower: %q", s, b, want)
		}
	})
}

// A rune that is not one (negative, or past unicode.MaxRune) is appended
// as utf8.AppendRune appends it: the replacement character.
func TestAppendLowerRuneInvalid(t *testing.T) {
	for _, r := range []rune{-1, -200, unicode.MaxRune + 1} {
		if got := string(AppendLowerRune(nil, r)); got != "\uFFFD" {
			t.Errorf("AppendLowerRune(%d) = %q, want U+FFFD", r, got)
		}
	}
}
