// Package answer turns a question into answers quoted from the corpus: it
// asks a search index for the best sections, decides whether they really
// answer the question, cuts each answer to the sentences that matter and
// links each to its question in the source. It knows nothing of bleve or
// Discord: the index is an interface, the corpus a lookup function.
package answer

import (
	"context"

	"github.com/verbatimbot/verbatim/internal/document"
)

// Query is what the answerer asks of an index.
type Query struct {
	Text    string   // the user's question, already validated
	Servers []string // documents of these servers are searched besides the global ones
	Limit   int      // how many matches to return at most
}

// Term is one analysed term of a query, with the weight (inverse document
// frequency) the index gives it. A question's language is not known, so
// the index may analyse each word in several languages: the forms of one
// word are alternatives and share a Group. Corrected terms were not in the
// question but are close spellings, found in the corpus, of a word of it
// that the corpus lacks; a word and its corrections share a Group too.
type Term struct {
	Text      string
	Lang      string // the language whose analysis gave the term, as in document.Metadata
	Weight    float64
	DocFreq   int // sections that hold the term
	Corrected bool
	Group     int
}

// Match is one section the index found, best first.
type Match struct {
	Ref   document.Ref
	Score float64
	Lang  string // the language the section is analysed in, as the Lang of Term
	Terms []int  // the query terms the section holds, in its question or answer: indexes into Result.Terms
}

// Result is what an index returns for a query.
type Result struct {
	Terms   []Term
	Matches []Match
}

// Token is one analysed term of a text, with the byte range of the word it
// came from.
type Token struct {
	Term       string
	Start, End int
}

// Index is the search index the answerer uses.
type Index interface {
	// Search returns the sections that best match q, best first.
	Search(ctx context.Context, q Query) (Result, error)
	// Analyze splits text into terms exactly as the index analyses
	// documents in language lang (a document.Metadata.Language), so
	// quotes can be chosen by the same terms.
	Analyze(lang, text string) []Token
}
