package bleveindex

import "github.com/blevesearch/bleve/v2/index/scorch"

// UseBleveSearch makes x search through bleve's searchers, as before topK,
// so tests can compare the two.
func UseBleveSearch(x *Index, on bool) { x.bleveSearch = on }

// Segments is the number of segments the index's current snapshot holds.
func Segments(x *Index) int {
	adv, err := x.idx.Advanced()
	if err != nil {
		return -1
	}
	r, err := adv.Reader()
	if err != nil {
		return -1
	}
	defer r.Close()
	if s, ok := r.(interface {
		Segments() []*scorch.SegmentSnapshot
	}); ok {
		return len(s.Segments())
	}
	return -1
}
