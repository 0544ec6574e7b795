package quote

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func texts(text string, spans []Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, text[s.Start:s.End])
	}
	return out
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"plain", "One. Two! Three?", []string{"One.", "Two!", "Three?"}},
		{"abbreviations", "Huawei competes with U.S. providers. Dr. Smith agrees, e.g. in Chile.",
			[]string{"Huawei competes with U.S. providers.", "Dr. Smith agrees, e.g. in Chile."}},
		{"number abbreviation", "See No. 11-398. No. It is not.", []string{"See No. 11-398.", "No.", "It is not."}},
		{"decimals and initials", "It grew 5.5 percent. J. Smith said so.", []string{"It grew 5.5 percent.", "J. Smith said so."}},
		{"closing quotes", "He said “no.” Then he left.", []string{"He said “no.”", "Then he left."}},
		{"lowercase continues", "Wait... and then? yes. Done.", []string{"Wait... and then? yes.", "Done."}},
		{"paragraph break", "First paragraph without stop\n\nSecond one.", []string{"First paragraph without stop", "Second one."}},
		{"ellipsis char", "Well… Maybe.", []string{"Well…", "Maybe."}},
		{"spanish", "¿Por qué? Porque sí. ¡Claro!", []string{"¿Por qué?", "Porque sí.", "¡Claro!"}},
		{"blank", "  \n\n ", nil},
		{"chinese and japanese", "我们开始吧。为什么？「好的。」次です！", []string{"我们开始吧。", "为什么？", "「好的。」", "次です！"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := texts(tt.text, Sentences(tt.text))
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func mark(text, word, term string, w float64) Mark {
	i := strings.Index(text, word)
	return Mark{Start: i, End: i + len(word), Term: term, Weight: w}
}

func TestSelect(t *testing.T) {
	text := "China has increased its efforts. Companies like Huawei compete directly. They expand soft power. The logic is influence. Nothing else."
	t.Run("best single sentence, cut both sides", func(t *testing.T) {
		ex := Select(text, []Mark{mark(text, "Huawei", "huawei", 2)}, Options{MaxSentences: 3})
		if ex.Text != "… Companies like Huawei compete directly. …" {
			t.Errorf("got %q", ex.Text)
		}
		if !ex.CutBefore || !ex.CutAfter || ex.SentenceCount != 1 {
			t.Errorf("flags %+v", ex)
		}
	})
	t.Run("window covering distinct terms", func(t *testing.T) {
		ex := Select(text, []Mark{mark(text, "Huawei", "huawei", 2), mark(text, "soft", "soft", 1), mark(text, "China", "china", 0.1)}, Options{})
		// China adds weight, so the run takes in the opening sentence.
		if ex.Text != "China has increased its efforts. Companies like Huawei compete directly. They expand soft power. …" {
			t.Errorf("got %q", ex.Text)
		}
	})
	t.Run("no marks opens the answer", func(t *testing.T) {
		ex := Select(text, nil, Options{MaxSentences: 2})
		if ex.Text != "China has increased its efforts. Companies like Huawei compete directly. …" || ex.CutBefore {
			t.Errorf("got %q", ex.Text)
		}
	})
	t.Run("whole text uncut", func(t *testing.T) {
		short := "Yes. Indeed."
		ex := Select(short, []Mark{mark(short, "Indeed", "inde", 1)}, Options{MaxSentences: 3})
		if ex.Text != "Yes. Indeed." && ex.Text != "… Indeed." {
			t.Errorf("got %q", ex.Text)
		}
	})
	t.Run("character budget", func(t *testing.T) {
		long := strings.Repeat("word ", 200) + "end."
		ex := Select(long, []Mark{mark(long, "end", "end", 1)}, Options{MaxChars: 100})
		if n := utf8.RuneCountInString(ex.Text); n > 100 {
			t.Errorf("excerpt has %d characters: %q", n, ex.Text)
		}
		if !strings.HasSuffix(ex.Text, "word "+Ellipsis) {
			t.Errorf("not cut at a word: %q", ex.Text)
		}
	})
}

// Every excerpt is made of the text's own bytes.
func FuzzSelect(f *testing.F) {
	f.Add("One. Two! Three? Four.", "Two", 2)
	f.Add("U.S. e.g. “x.” …\n\n¿y? ", "x", 3)
	// A middle sentence too long for the bound, cut on both sides.
	f.Add("First one here. Hello yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy. Last one here.", "Hello", 0)
	f.Fuzz(func(t *testing.T, text, word string, max int) {
		var marks []Mark
		if i := strings.Index(text, word); i >= 0 && word != "" {
			marks = append(marks, Mark{Start: i, End: i + len(word), Term: word, Weight: 1})
		}
		maxChars := 40 + max%400
		if maxChars < 40 {
			maxChars += 400 // max%400 is negative for a negative max
		}
		ex := Select(text, marks, Options{MaxSentences: max % 5, MaxChars: maxChars})
		if ex.Start > ex.End || ex.End > len(text) {
			t.Fatalf("bad range %d..%d of %d", ex.Start, ex.End, len(text))
		}
		if n := utf8.RuneCountInString(ex.Text); n > maxChars {
			t.Fatalf("excerpt of %d characters, over %d: %q", n, maxChars, ex.Text)
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(ex.Text, Ellipsis+" "), " "+Ellipsis)
		if !strings.Contains(text, inner) {
			t.Fatalf("excerpt %q is not in the text %q", inner, text)
		}
	})
}
