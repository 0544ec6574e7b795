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
// interview, each several times (found, then remembered), and more words
// than a stemmer keeps, with ours and with bleve's filters.
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
