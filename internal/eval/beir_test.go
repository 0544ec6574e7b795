package eval

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadBEIRTiny(t *testing.T) {
	s, err := LoadBEIR(filepath.Join("testdata", "tiny"), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "tiny" {
		t.Errorf("Name = %q, want tiny", s.Name)
	}
	wantCorpus := []Doc{
		{ID: "d1", Title: "Apples", Text: "Apples grow on trees."},
		{ID: "d2", Title: "Pears", Text: "Pears are sweeter than apples."},
		{ID: "4", Title: "Numbers", Text: "Some BEIR exports write ids as numbers."},
		{ID: "d3", Title: "", Text: "An untitled document."},
	}
	if !reflect.DeepEqual(s.Corpus, wantCorpus) {
		t.Errorf("Corpus = %+v\nwant %+v", s.Corpus, wantCorpus)
	}
	// q3 has no judgments and is dropped; q4 has none either but is a
	// decline query; q6 is judged, with nothing relevant.
	wantQueries := []Query{
		{ID: "q1", Text: "Where do apples grow?"},
		{ID: "q2", Text: "Which fruit is sweet?"},
		{ID: "q4", Text: "What is the weather tomorrow?", Decline: true},
		{ID: "5", Text: "numeric ids"},
		{ID: "q6", Text: "Judged, but nothing is relevant."},
	}
	if !reflect.DeepEqual(s.Queries, wantQueries) {
		t.Errorf("Queries = %+v\nwant %+v", s.Queries, wantQueries)
	}
	wantQrels := map[string]map[string]int{
		"q1": {"d1": 1},
		"q2": {"d2": 2, "d3": 1},
		"5":  {"4": 1},
		"q6": {"d3": 0},
	}
	if !reflect.DeepEqual(s.Qrels, wantQrels) {
		t.Errorf("Qrels = %v, want %v", s.Qrels, wantQrels)
	}
}

// writeSet lays out a BEIR folder from file name -> contents.
func writeSet(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	okQueries = `{"_id":"q1","text":"one"}` + "\n" + `{"_id":"q2","text":"two"}` + "\n"
	okCorpus  = `{"_id":"d1","text":"x"}` + "\n" + `{"_id":"d2","text":"y"}` + "\n"
	header    = "query-id\tcorpus-id\tscore\n"
)

func TestLoadBEIRQrelsChoice(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		qrelsPath string
		want      map[string]map[string]int
	}{
		{
			name:  "qrels.tsv preferred",
			files: map[string]string{"queries.jsonl": okQueries, "qrels.tsv": header + "q1\td1\t1\n", "qrels_test.tsv": header + "q2\td2\t1\n"},
			want:  map[string]map[string]int{"q1": {"d1": 1}},
		},
		{
			name:  "qrels_test.tsv when there is no qrels.tsv",
			files: map[string]string{"queries.jsonl": okQueries, "qrels_test.tsv": header + "q2\td2\t1\n"},
			want:  map[string]map[string]int{"q2": {"d2": 1}},
		},
		{
			name:  "a stock BEIR download's qrels/test.tsv",
			files: map[string]string{"queries.jsonl": okQueries, "qrels/test.tsv": header + "q2\td1\t1\n", "qrels/train.tsv": header + "q1\td1\t1\n"},
			want:  map[string]map[string]int{"q2": {"d1": 1}},
		},
		{
			name:  "qrels_test.tsv before qrels/test.tsv",
			files: map[string]string{"queries.jsonl": okQueries, "qrels_test.tsv": header + "q1\td2\t1\n", "qrels/test.tsv": header + "q2\td1\t1\n"},
			want:  map[string]map[string]int{"q1": {"d2": 1}},
		},
		{
			name:      "named file inside the folder",
			files:     map[string]string{"queries.jsonl": okQueries, "qrels.tsv": header + "q1\td1\t1\n", "qrels_train.tsv": header + "q2\td1\t1\n"},
			qrelsPath: "qrels_train.tsv",
			want:      map[string]map[string]int{"q2": {"d1": 1}},
		},
		{
			name:  "no header, space separated",
			files: map[string]string{"queries.jsonl": okQueries, "qrels.tsv": "q1 d1 1\nq2 d2 3\n"},
			want:  map[string]map[string]int{"q1": {"d1": 1}, "q2": {"d2": 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadBEIR(writeSet(t, tt.files), tt.qrelsPath)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Qrels, tt.want) {
				t.Errorf("Qrels = %v, want %v", s.Qrels, tt.want)
			}
			if len(s.Corpus) != 0 {
				t.Errorf("Corpus = %v, want none", s.Corpus)
			}
		})
	}
}

func TestLoadBEIRErrors(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wantIs   error
		wantText string // substring of the message
	}{
		{
			name:     "malformed query line",
			files:    map[string]string{"queries.jsonl": `{"_id":"q1","text":"one"}` + "\n" + `{"_id":"q2","text":` + "\n", "qrels.tsv": header},
			wantIs:   ErrFormat,
			wantText: "queries.jsonl:2:",
		},
		{
			name:     "malformed corpus line",
			files:    map[string]string{"corpus.jsonl": okCorpus + "\n" + "not json\n", "queries.jsonl": okQueries, "qrels.tsv": header},
			wantIs:   ErrFormat,
			wantText: "corpus.jsonl:4:",
		},
		{
			name:     "qrels score not a number",
			files:    map[string]string{"queries.jsonl": okQueries, "qrels.tsv": header + "q1\td1\t1\nq2\td2\thigh\n"},
			wantIs:   ErrFormat,
			wantText: `qrels.tsv:3: malformed question set: score "high" is not an integer`,
		},
		{
			name:     "qrels with two fields",
			files:    map[string]string{"queries.jsonl": okQueries, "qrels.tsv": header + "q1\td1\n"},
			wantIs:   ErrFormat,
			wantText: "qrels.tsv:2: malformed question set: want 3 tab-separated fields",
		},
		{
			name:     "judgment of an unknown query",
			files:    map[string]string{"queries.jsonl": okQueries, "qrels.tsv": header + "q9\td1\t1\n"},
			wantIs:   ErrFormat,
			wantText: `qrels.tsv:2: malformed question set: query "q9" is not in queries.jsonl`,
		},
		{
			name:     "judgment of an unknown doc",
			files:    map[string]string{"corpus.jsonl": okCorpus, "queries.jsonl": okQueries, "qrels.tsv": header + "q1\td1\t1\nq2\td9\t1\n"},
			wantIs:   ErrFormat,
			wantText: `qrels.tsv:3: malformed question set: doc "d9" is not in corpus.jsonl`,
		},
		{
			name:     "repeated judgment",
			files:    map[string]string{"queries.jsonl": okQueries, "qrels.tsv": header + "q1\td1\t1\nq1\td1\t2\n"},
			wantIs:   ErrFormat,
			wantText: "qrels.tsv:3:",
		},
		{
			name:     "decline query judged relevant",
			files:    map[string]string{"queries.jsonl": `{"_id":"d-01","text":"weather?","metadata":{"decline":true}}` + "\n", "qrels.tsv": header + "d-01\tdoc\t1\n"},
			wantIs:   ErrFormat,
			wantText: "marked decline but judged relevant",
		},
		{
			name:     "decline not a boolean",
			files:    map[string]string{"queries.jsonl": `{"_id":"d-01","text":"weather?","metadata":{"decline":"yes"}}` + "\n", "qrels.tsv": header},
			wantIs:   ErrFormat,
			wantText: "queries.jsonl:1:",
		},
		{
			name:     "repeated query id",
			files:    map[string]string{"queries.jsonl": okQueries + `{"_id":"q1","text":"again"}` + "\n", "qrels.tsv": header},
			wantIs:   ErrFormat,
			wantText: `queries.jsonl:3: malformed question set: query "q1" already defined on line 1`,
		},
		{
			name:     "query without id",
			files:    map[string]string{"queries.jsonl": `{"text":"who?"}` + "\n", "qrels.tsv": header},
			wantIs:   ErrFormat,
			wantText: "queries.jsonl:1: malformed question set: query has no _id",
		},
		{
			name:     "query without text",
			files:    map[string]string{"queries.jsonl": `{"_id":"q1","text":"  "}` + "\n", "qrels.tsv": header},
			wantIs:   ErrFormat,
			wantText: `query "q1" has no text`,
		},
		{
			name:     "id of the wrong type",
			files:    map[string]string{"queries.jsonl": `{"_id":["q1"],"text":"x"}` + "\n", "qrels.tsv": header},
			wantIs:   ErrFormat,
			wantText: "queries.jsonl:1:",
		},
		{
			name:   "no queries file",
			files:  map[string]string{"qrels.tsv": header},
			wantIs: fs.ErrNotExist,
		},
		{
			name:     "no qrels file",
			files:    map[string]string{"queries.jsonl": okQueries},
			wantIs:   fs.ErrNotExist,
			wantText: "no qrels.tsv, qrels_test.tsv or qrels/test.tsv",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSet(t, tt.files)
			s, err := LoadBEIR(dir, "")
			if err == nil {
				t.Fatalf("LoadBEIR = %+v, want an error", s)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q does not wrap %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
			if errors.Is(err, ErrFormat) && !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the file's path", err)
			}
		})
	}
}

// evaldata is the shared evaluation data, beside the repository.
const evaldata = "../../../shared/evaldata"

// TestLoadBEIRSharedSets checks the counts the shared sets' READMEs give.
func TestLoadBEIRSharedSets(t *testing.T) {
	tests := []struct {
		dir                       string
		docs, queries, judgements int
	}{
		{"stackfaq", 125, 1249, 1249},
		{"scifact", 5183, 300, 339}, // test split, from qrels_test.tsv
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join(evaldata, tt.dir)
			if _, err := os.Stat(dir); err != nil {
				t.Skipf("shared evaluation data not found: %v", err)
			}
			s, err := LoadBEIR(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			judged := 0
			for _, m := range s.Qrels {
				judged += len(m)
			}
			if s.Name != tt.dir || len(s.Corpus) != tt.docs || len(s.Queries) != tt.queries || judged != tt.judgements {
				t.Errorf("%s: %d docs, %d queries, %d judgments; want %s: %d, %d, %d",
					s.Name, len(s.Corpus), len(s.Queries), judged, tt.dir, tt.docs, tt.queries, tt.judgements)
			}
			for _, q := range s.Queries {
				if q.Decline {
					t.Errorf("query %s is marked decline", q.ID)
				}
			}
		})
	}
}

func FuzzReadQrels(f *testing.F) {
	f.Add([]byte(header + "q1\td1\t1\r\nq1\td2\t0\n"))
	f.Add([]byte("q1 d1 1\n\n\nq2\td2\t-1"))
	f.Add([]byte("a\tb\tc\td\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		js, err := readQrels(strings.NewReader(string(data)), "qrels.tsv")
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		for _, j := range js {
			if j.query == "" || j.doc == "" || strings.ContainsAny(j.query+j.doc, "\t\n") {
				t.Fatalf("bad judgment %+v", j)
			}
		}
	})
}

func FuzzReadQueries(f *testing.F) {
	f.Add([]byte(okQueries))
	f.Add([]byte(`{"_id": 5, "text": "x", "metadata": {"decline": true}}`))
	f.Add([]byte(`{"_id": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		qs, err := readQueries(strings.NewReader(string(data)), "queries.jsonl")
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, q := range qs {
			if q.ID == "" || strings.TrimSpace(q.Text) == "" || seen[q.ID] {
				t.Fatalf("bad query %+v", q)
			}
			seen[q.ID] = true
		}
	})
}
