package parse

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/verbatimbot/verbatim/internal/document"
)

// parseJSONL reads a FAQ in JSON Lines: one object with "question" and
// "answer" strings per line (other fields are ignored, blank lines
// skipped), or in a JSON array of such objects, as spreadsheet and CMS
// exports write them. The answer is split into paragraphs on blank lines.
func parseJSONL(body []line) (result, error) {
	var res result
	for _, l := range body {
		s := strings.TrimSpace(l.text)
		if s == "" {
			continue
		}
		if strings.HasPrefix(s, "[") {
			return parseJSONArray(body)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
			return res, errorf(l.num, `expected a JSON object like {"question": "…", "answer": "…"}: %s`, jsonProblem(err))
		}
		sec, err := faqEntry(obj, l.num)
		if err != nil {
			return res, err
		}
		res.sections = append(res.sections, sec)
	}
	if len(res.sections) == 0 {
		return res, errorf(0, noJSONLMsg)
	}
	return res, nil
}

// parseJSONArray reads a FAQ as one JSON array of {"question", "answer"}
// objects, over as many lines as it takes; errors name the line where the
// object at fault starts.
func parseJSONArray(body []line) (result, error) {
	var res result
	texts := make([]string, len(body))
	for i, l := range body {
		texts[i] = l.text
	}
	text := strings.Join(texts, "\n")
	lineOf := func(off int64) int { // body lines are consecutive in the file
		return body[0].num + strings.Count(text[:min(int(off), len(text))], "\n")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return res, errorf(body[0].num, "expected a JSON array of {\"question\": …, \"answer\": …} objects: %s", jsonProblem(err))
	}
	for dec.More() {
		start := dec.InputOffset()
		// The element starts after the comma and white space before it.
		rest := strings.TrimLeft(text[start:], ", \t\r\n")
		at := lineOf(int64(len(text) - len(rest)))
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil || obj == nil {
			return res, errorf(at, `expected a JSON object like {"question": "…", "answer": "…"}: %s`, jsonProblem(err))
		}
		sec, err := faqEntry(obj, at)
		if err != nil {
			return res, err
		}
		res.sections = append(res.sections, sec)
	}
	if _, err := dec.Token(); err != nil {
		return res, errorf(lineOf(dec.InputOffset()), "the JSON array does not close: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return res, errorf(lineOf(dec.InputOffset()), "text after the JSON array")
	}
	if len(res.sections) == 0 {
		return res, errorf(0, noJSONLMsg)
	}
	return res, nil
}

// faqEntry is the section of one FAQ object found on line num.
func faqEntry(obj map[string]json.RawMessage, num int) (document.Section, error) {
	fields := map[string]json.RawMessage{}
	for k, v := range obj {
		lk := strings.ToLower(k)
		if _, twice := fields[lk]; twice && (lk == "question" || lk == "answer") {
			return document.Section{}, errorf(num, "%q is given twice (keys are read whatever their case)", lk)
		}
		fields[lk] = v
	}
	get := func(name string) (string, error) {
		raw, ok := fields[name]
		if !ok {
			return "", errorf(num, "missing %q", name)
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", errorf(num, "%q must be a string", name)
		}
		if strings.TrimSpace(v) == "" {
			return "", errorf(num, "%q is empty", name)
		}
		// JSON escapes (\u0000, \u001b) can say what the file's bytes may not.
		if i := strings.IndexFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f }); i >= 0 {
			return "", errorf(num, "%q contains a control character (U+%04X): it must be plain text", name, v[i])
		}
		return v, nil
	}
	q, err := get("question")
	if err != nil {
		return document.Section{}, err
	}
	a, err := get("answer")
	if err != nil {
		return document.Section{}, err
	}
	return document.Section{Question: strings.TrimSpace(q), Paragraphs: splitParagraphs(a)}, nil
}

func jsonProblem(err error) string {
	if err == nil {
		return "found null"
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return syn.Error()
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return "found a JSON " + typ.Value
	}
	return err.Error()
}

// csvDelimiter guesses the delimiter from the header line: the most
// frequent of comma, semicolon and tab (comma when none appears).
func csvDelimiter(header string) rune {
	best, n := ',', strings.Count(header, ",")
	for _, d := range []rune{';', '\t'} {
		if c := strings.Count(header, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// The names of a FAQ's columns, and words that make a column about a
// question or an answer rather than the question or answer itself
// ("question_id", "Answer source").
var (
	questionNames = []string{"question", "questions", "q", "pregunta", "preguntas"}
	answerNames   = []string{"answer", "answers", "a", "respuesta", "respuestas"}
	aboutWords    = []string{"id", "no", "number", "date", "source", "url", "link", "type", "category", "tag", "tags", "author", "count", "fuente", "fecha"}
)

// csvColumns finds the question and answer columns of a header row: a
// column named so ("Question", "answers", "pregunta"), or else one whose
// name holds such a word among others, as spreadsheets name them ("FAQ
// Question"), but not one about them ("question_id", "Answer source").
func csvColumns(header []string) (q, a int) {
	words := make([][]string, len(header))
	for i, h := range header {
		words[i] = strings.FieldsFunc(strings.ToLower(h), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	find := func(names []string) int {
		for i, w := range words { // the name alone
			if len(w) == 1 && slices.Contains(names, w[0]) {
				return i
			}
		}
		for i, w := range words { // the name among other words
			if slices.ContainsFunc(w, func(x string) bool { return len(x) > 1 && slices.Contains(names, x) }) &&
				!slices.ContainsFunc(w, func(x string) bool { return slices.Contains(aboutWords, x) }) {
				return i
			}
		}
		return -1
	}
	return find(questionNames), find(answerNames)
}

// parseCSV reads a FAQ in CSV (comma, semicolon or tab separated, RFC 4180
// quoting): a header row naming a "question" and an "answer" column (also
// "q" and "a"), then one row per question. Rows that are entirely blank in
// both columns are skipped.
func parseCSV(body []line) (result, error) {
	var res result
	// Skip leading blank lines so the first record is the header.
	for len(body) > 0 && isBlank(body[0].text) {
		body = body[1:]
	}
	if len(body) == 0 {
		return res, errorf(0, noCSVMsg)
	}
	texts := make([]string, len(body))
	for i, l := range body {
		texts[i] = l.text
	}
	first := body[0].num // body lines are consecutive in the original file
	r := csv.NewReader(strings.NewReader(strings.Join(texts, "\n")))
	r.Comma = csvDelimiter(body[0].text)
	r.FieldsPerRecord = -1
	orig := func(csvLine int) int { return first + csvLine - 1 }
	fail := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return errorf(orig(pe.StartLine), "CSV: %s", pe.Err)
		}
		return errorf(0, "CSV: %s", err)
	}
	header, err := r.Read()
	if err != nil {
		return res, fail(err)
	}
	qi, ai := csvColumns(header)
	if qi < 0 || ai < 0 {
		return res, errorf(first, `the header row must name a "question" and an "answer" column; found %s`, quoteList(header))
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fail(err)
		}
		row, _ := r.FieldPos(0)
		if qi >= len(rec) || ai >= len(rec) {
			return res, errorf(orig(row), "expected at least %d fields, found %d", max(qi, ai)+1, len(rec))
		}
		q, a := strings.TrimSpace(rec[qi]), rec[ai]
		switch {
		case q == "" && isBlank(a):
			continue
		case q == "":
			return res, errorf(orig(row), "the question is empty")
		case isBlank(a):
			return res, errorf(orig(row), "the answer is empty")
		}
		res.sections = append(res.sections, document.Section{Question: q, Paragraphs: splitParagraphs(a)})
	}
	if len(res.sections) == 0 {
		return res, errorf(0, noCSVMsg)
	}
	return res, nil
}

func quoteList(fields []string) string {
	if len(fields) > 8 {
		fields = append(fields[:8:8], "…")
	}
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = quoteClip(f)
	}
	return strings.Join(q, ", ")
}

// looksCSVHeader reports whether s is a CSV header naming question and
// answer columns.
func looksCSVHeader(s string) bool {
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = csvDelimiter(s)
	rec, err := r.Read()
	if err != nil || len(rec) < 2 {
		return false
	}
	q, a := csvColumns(rec)
	return q >= 0 && a >= 0
}
