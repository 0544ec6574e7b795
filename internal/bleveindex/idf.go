package bleveindex

import "math"

// idf is the BM25 inverse document frequency of a term found in df of n
// sections.
func idf(n float64, df uint64) float64 {
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// BM25's k1 and b, shared by every index of the process.
var (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// SetBM25 changes BM25's k1 and b for every index of the process. It is for
// tuning experiments and must not run while a search does.
func SetBM25(k1, b float64) {
	bm25K1 = k1
	bm25B = b
}
