package bleveindex

import (
	"math"

	"github.com/blevesearch/bleve/v2/search"
)

// idf is the BM25 inverse document frequency bleve uses for a term found in
// df of n sections.
func idf(n float64, df uint64) float64 {
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// BM25 parameters. bleve keeps them in package variables, shared by every
// index of the process; they are set once here.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

func init() { SetBM25(bm25K1, bm25B) }

// SetBM25 changes BM25's k1 and b for every index of the process. It is for
// tuning experiments and must not run while a search does.
func SetBM25(k1, b float64) {
	search.BM25_k1 = k1
	search.BM25_b = b
}
