package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrFormat marks a question set file that cannot be read as BEIR data; the
// message names the file and line.
var ErrFormat = errors.New("malformed question set")

// LoadBEIR reads a question set in BEIR layout from dir: corpus.jsonl
// (optional; lines {"_id","title","text"}), queries.jsonl (lines
// {"_id","text","metadata"}) and a qrels TSV (a header line, then
// query-id<TAB>corpus-id<TAB>score).
//
// qrelsPath "" means the first of dir/qrels.tsv, dir/qrels_test.tsv and
// dir/qrels/test.tsv (where a stock BEIR download keeps its test split). A relative qrelsPath is taken as given when that file exists,
// else inside dir. Queries without judgments are dropped unless their
// metadata has "decline": true. The set is named after dir.
//
// It returns an error wrapping ErrFormat, naming the file and line, for a
// line that does not parse, a missing or repeated id, an empty query, a
// judgment of an unknown query or (when there is a corpus) of an unknown
// doc, a repeated judgment, or a decline query judged relevant; and the
// file system's error (fs.ErrNotExist for a missing queries or qrels file).
func LoadBEIR(dir, qrelsPath string) (*Set, error) {
	qp, err := qrelsFile(dir, qrelsPath)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(filepath.Clean(dir))
	if abs, err := filepath.Abs(dir); err == nil {
		name = filepath.Base(abs)
	}
	set := &Set{Name: name, Dir: dir}

	var docs map[string]bool // nil when there is no corpus to check against
	cp := filepath.Join(dir, "corpus.jsonl")
	switch f, err := os.Open(cp); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("load question set: %w", err)
	default:
		set.Corpus, err = readCorpus(f, cp)
		f.Close()
		if err != nil {
			return nil, err
		}
		docs = make(map[string]bool, len(set.Corpus))
		for _, d := range set.Corpus {
			docs[d.ID] = true
		}
	}

	qsp := filepath.Join(dir, "queries.jsonl")
	f, err := os.Open(qsp)
	if err != nil {
		return nil, fmt.Errorf("load question set: %w", err)
	}
	queries, err := readQueries(f, qsp)
	f.Close()
	if err != nil {
		return nil, err
	}

	f, err = os.Open(qp)
	if err != nil {
		return nil, fmt.Errorf("load question set: %w", err)
	}
	judgments, err := readQrels(f, qp)
	f.Close()
	if err != nil {
		return nil, err
	}

	byID := make(map[string]Query, len(queries))
	for _, q := range queries {
		byID[q.ID] = q
	}
	set.Qrels = make(map[string]map[string]int)
	for _, j := range judgments {
		q, ok := byID[j.query]
		switch {
		case !ok:
			return nil, j.errorf("query %q is not in %s", j.query, filepath.Base(qsp))
		case docs != nil && !docs[j.doc]:
			return nil, j.errorf("doc %q is not in %s", j.doc, filepath.Base(cp))
		case q.Decline && j.score > 0:
			return nil, j.errorf("query %q is marked decline but judged relevant to %q", j.query, j.doc)
		}
		m := set.Qrels[j.query]
		if m == nil {
			m = make(map[string]int)
			set.Qrels[j.query] = m
		}
		if _, dup := m[j.doc]; dup {
			return nil, j.errorf("query %q is judged against doc %q twice", j.query, j.doc)
		}
		m[j.doc] = j.score
	}
	for _, q := range queries {
		if q.Decline || len(set.Qrels[q.ID]) > 0 {
			set.Queries = append(set.Queries, q)
		}
	}
	return set, nil
}

// qrelsFile resolves LoadBEIR's qrelsPath.
func qrelsFile(dir, qrelsPath string) (string, error) {
	if qrelsPath != "" {
		if filepath.IsAbs(qrelsPath) {
			return qrelsPath, nil
		}
		if _, err := os.Stat(qrelsPath); err == nil {
			return qrelsPath, nil
		}
		return filepath.Join(dir, qrelsPath), nil
	}
	for _, name := range []string{"qrels.tsv", "qrels_test.tsv", filepath.Join("qrels", "test.tsv")} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("load question set: no qrels.tsv, qrels_test.tsv or qrels/test.tsv in %s: %w", dir, fs.ErrNotExist)
}

// lineError builds an ErrFormat error naming file and line.
func lineError(file string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %w: %s", file, line, ErrFormat, fmt.Sprintf(format, args...))
}

// eachLine calls fn with every non-blank line of r (line terminators and
// surrounding white space removed) and its 1-based number.
func eachLine(r io.Reader, file string, fn func(line []byte, n int) error) error {
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			if t := bytes.TrimSpace(b); len(t) > 0 {
				if ferr := fn(t, n); ferr != nil {
					return ferr
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
	}
}

// jsonID accepts an _id written as a JSON string or number, as some BEIR
// exports do.
type jsonID string

// UnmarshalJSON implements json.Unmarshaler.
func (id *jsonID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = jsonID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("_id must be a string or a number")
	}
	*id = jsonID(n.String())
	return nil
}

// decodeLine unmarshals one JSON Lines record, naming file and line on error.
func decodeLine(b []byte, file string, n int, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return lineError(file, n, "%v", err)
	}
	return nil
}

func readCorpus(r io.Reader, file string) ([]Doc, error) {
	var docs []Doc
	seen := map[string]int{}
	err := eachLine(r, file, func(b []byte, n int) error {
		var rec struct {
			ID    jsonID `json:"_id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		if err := decodeLine(b, file, n, &rec); err != nil {
			return err
		}
		id := string(rec.ID)
		if id == "" {
			return lineError(file, n, "doc has no _id")
		}
		if prev, dup := seen[id]; dup {
			return lineError(file, n, "doc %q already defined on line %d", id, prev)
		}
		seen[id] = n
		docs = append(docs, Doc{ID: id, Title: rec.Title, Text: rec.Text})
		return nil
	})
	return docs, err
}

func readQueries(r io.Reader, file string) ([]Query, error) {
	var qs []Query
	seen := map[string]int{}
	err := eachLine(r, file, func(b []byte, n int) error {
		var rec struct {
			ID       jsonID `json:"_id"`
			Text     string `json:"text"`
			Metadata struct {
				Decline bool `json:"decline"`
			} `json:"metadata"`
		}
		if err := decodeLine(b, file, n, &rec); err != nil {
			return err
		}
		id := string(rec.ID)
		if id == "" {
			return lineError(file, n, "query has no _id")
		}
		if prev, dup := seen[id]; dup {
			return lineError(file, n, "query %q already defined on line %d", id, prev)
		}
		if strings.TrimSpace(rec.Text) == "" {
			return lineError(file, n, "query %q has no text", id)
		}
		seen[id] = n
		qs = append(qs, Query{ID: id, Text: rec.Text, Decline: rec.Metadata.Decline})
		return nil
	})
	return qs, err
}

// judgment is one qrels line.
type judgment struct {
	query, doc string
	score      int
	file       string
	line       int
}

func (j judgment) errorf(format string, args ...any) error {
	return lineError(j.file, j.line, format, args...)
}

// readQrels reads a qrels TSV. The first line is taken as the header when
// its score column is not an integer, so a file without a header loses no
// judgment.
func readQrels(r io.Reader, file string) ([]judgment, error) {
	var js []judgment
	first := true
	err := eachLine(r, file, func(b []byte, n int) error {
		fields := strings.Split(string(b), "\t")
		if len(fields) != 3 {
			fields = strings.Fields(string(b))
		}
		if len(fields) != 3 {
			return lineError(file, n, "want 3 tab-separated fields (query-id, corpus-id, score), got %d", len(fields))
		}
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		score, err := strconv.Atoi(fields[2])
		if err != nil {
			if first {
				first = false
				return nil // header
			}
			return lineError(file, n, "score %q is not an integer", fields[2])
		}
		first = false
		if fields[0] == "" || fields[1] == "" {
			return lineError(file, n, "empty query-id or corpus-id")
		}
		js = append(js, judgment{query: fields[0], doc: fields[1], score: score, file: file, line: n})
		return nil
	})
	return js, err
}
