package bleveindex

// stem.go is the Snowball stemmers of bleve's en and es packages, the same
// functions, remembering the stems they found.
//
// Profiling the indexing of SciFact's 5,183 abstracts put a sixth of its
// CPU in English stemming: bleve's filter runs the Snowball program on
// every token, where the words of a corpus repeat (some 36,000 distinct
// words among a million tokens). A stemmer keeps the stems of the first
// stemWords words it meets of at most stemMaxWord bytes (a corpus's
// frequent words come early) and stems the others each time, so what it
// keeps stays bounded whatever questions ask. The stems are the same as
// bleve's, word for word (TestStemmersMatchBleve, FuzzStemmers). An index
// keeps the mapping it was built with, which names its filters, so
// MappingVersion changed with them: an index built with bleve's filters is
// rebuilt once, with these.

import (
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/spanish"
)

const (
	stemENName = "verbatim_stem_en"
	stemESName = "verbatim_stem_es"
	// stemWords bounds the stems a stemmer keeps, and stemMaxWord the
	// words it keeps them for: at most some 5 MiB with the map's own.
	stemWords   = 1 << 15
	stemMaxWord = 32
)

// stemmer is a Snowball stemmer as a token filter. It is safe for
// concurrent use: bleve analyses documents on several goroutines.
type stemmer struct {
	stem  func(*snowballstem.Env) bool
	mu    sync.RWMutex
	stems map[string]string
}

func newStemmer(stem func(*snowballstem.Env) bool) *stemmer {
	return &stemmer{stem: stem, stems: map[string]string{}}
}

// Filter replaces each token's term by its stem, as bleve's
// stemmer_en_snowball and stemmer_es_snowball do.
func (s *stemmer) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		s.mu.RLock()
		stem, ok := s.stems[string(t.Term)]
		s.mu.RUnlock()
		if !ok {
			word := string(t.Term)
			env := snowballstem.NewEnv(word)
			s.stem(env)
			stem = env.Current()
			if len(word) <= stemMaxWord {
				s.mu.Lock()
				if len(s.stems) < stemWords {
					s.stems[word] = stem
				}
				s.mu.Unlock()
			}
		}
		if stem != string(t.Term) {
			t.Term = []byte(stem)
		}
	}
	return input
}

func init() {
	for name, stem := range map[string]func(*snowballstem.Env) bool{stemENName: english.Stem, stemESName: spanish.Stem} {
		err := registry.RegisterTokenFilter(name, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
			return newStemmer(stem), nil
		})
		if err != nil {
			panic(err)
		}
	}
}
