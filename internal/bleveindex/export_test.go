package bleveindex

// UseBleveSearch makes x search through bleve's searchers, as before topK,
// so tests can compare the two.
func UseBleveSearch(x *Index, on bool) { x.bleveSearch = on }
