package bleveindex

import (
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
)

// FuzzAnalyses checks that analysing a question once per tokenizer gives
// each analyser's own Analyze, token for token, and leaves the text alone.
func FuzzAnalyses(f *testing.F) {
	x, _, err := Open("", DefaultTuning, nil)
	if err != nil {
		f.Fatal(err)
	}
	defer x.Close()
	var as []analysis.Analyzer
	for _, l := range languages {
		as = append(as, x.stem[l])
	}
	as = append(as, x.plain)
	for _, s := range []string{
		"Which companies compete with European providers?", "¿Qué pasó en NEUQUÉN con la información?",
		"China's role, the U.S.'s role", "electrik buses", "\xff\xfe", "北京 🙂 emoji", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text := []byte(s)
		got := analyses(text, as)
		if string(text) != s {
			t.Fatalf("analyses changed the text %q to %q", s, text)
		}
		for i, a := range as {
			want := a.Analyze([]byte(s))
			if len(want) == 0 && len(got[i]) == 0 {
				continue
			}
			if !reflect.DeepEqual(got[i], want) {
				t.Fatalf("analyser %d of %q: %v, its own Analyze: %v", i, s, got[i], want)
			}
		}
	})
}
