package bleveindex

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/verbatimbot/verbatim/internal/fold"
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
		if !isASCII(tok.Term) {
			tok.Term = []byte(fold.String(string(tok.Term)))
		}
	}
	return in
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
