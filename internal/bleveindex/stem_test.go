package bleveindex

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/spanish"
)

// stemmerPairs are each of our stemmers beside bleve's filter for the same
// language.
func stemmerPairs() []struct {
	name       string
	ours, want analysis.TokenFilter
} {
	return []struct {
		name       string
		ours, want analysis.TokenFilter
	}{
		{"en", newStemmer(english.Stem), en.NewEnglishStemmerFilter()},
		{"es", newStemmer(spanish.Stem), es.NewSpanishStemmerFilter()},
	}
}

// stemOne runs f on a stream of the one word.
func stemOne(f analysis.TokenFilter, word string) string {
	return string(f.Filter(analysis.TokenStream{{Term: []byte(word)}})[0].Term)
}

// TestStemmersMatchBleve stems every word of the seeds and of the Spanish
// interview twice (found, then remembered), then more words than a
// stemmer keeps and words too long to keep, with ours and with bleve's
// filters, and checks what is kept stays within bounds.
func TestStemmersMatchBleve(t *testing.T) {
	var words []string
	for _, path := range []string{
		filepath.Join("..", "..", "seeds", "*.txt"),
		filepath.Join("..", "..", "evalsets", "es", "documents", "*.txt"),
	} {
		files, _ := filepath.Glob(path)
		if len(files) == 0 {
			t.Fatalf("no files %s", path)
		}
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range strings.FieldsFunc(strings.ToLower(string(raw)), func(r rune) bool {
				return !('a' <= r && r <= 'z' || r > 127)
			}) {
				words = append(words, w)
			}
		}
	}
	for i := range stemWords + 100 {
		words = append(words, fmt.Sprintf("generating%dness", i))
	}
	words = append(words, strings.Repeat("nationalisation", 3), strings.Repeat("ñ", stemMaxWord/2+1)+"ing")
	for _, p := range stemmerPairs() {
		changed := 0
		for range 2 {
			for _, w := range words {
				got, want := stemOne(p.ours, w), stemOne(p.want, w)
				if got != want {
					t.Fatalf("%s: %q stems to %q, bleve's %q", p.name, w, got, want)
				}
				if got != w {
					changed++
				}
			}
		}
		if changed == 0 {
			t.Errorf("%s: no word of %d changed by stemming", p.name, len(words))
		}
		kept := p.ours.(*stemmer).stems
		if len(kept) != stemWords {
			t.Errorf("%s: %d stems kept, want the bound %d", p.name, len(kept), stemWords)
		}
		for w := range kept {
			if len(w) > stemMaxWord {
				t.Errorf("%s: kept the stem of %q, longer than %d bytes", p.name, w, stemMaxWord)
			}
		}
		if _, ok := kept[words[0]]; !ok {
			t.Errorf("%s: the first word met, %q, is not kept", p.name, words[0])
		}
	}
}

// FuzzStemmers checks ours against bleve's filters on any term, twice.
func FuzzStemmers(f *testing.F) {
	for _, s := range []string{"running", "generously", "informaciones", "tecnológicas", "", "\xff", "ñandú"} {
		f.Add(s)
	}
	pairs := stemmerPairs()
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range pairs {
			for range 2 {
				if got, want := stemOne(p.ours, s), stemOne(p.want, s); got != want {
					t.Fatalf("%s: %q stems to %q, bleve's %q", p.name, s, got, want)
				}
			}
		}
	})
}
