package eval

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSeedsSet checks the project's labelled questions about the shipped
// seed interview: shape, counts and that every judgment names one of the
// interview's six questions.
func TestSeedsSet(t *testing.T) {
	const (
		dir  = "../../evalsets/seeds"
		seed = "../../seeds/spcis-china-latin-america-technology.txt"
		doc  = "spcis-china-latin-america-technology"
	)
	s, err := LoadBEIR(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	// LoadBEIR drops queries without judgments: none of ours may be lost.
	f, err := os.Open(dir + "/queries.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := readQueries(f, "queries.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(s.Queries) {
		t.Errorf("%d queries written, %d kept: some answerable query has no qrels row", len(all), len(s.Queries))
	}
	if len(s.Corpus) != 0 {
		t.Errorf("the seeds set has a corpus of %d docs; it is meant to be run against the shipped seeds", len(s.Corpus))
	}

	sections := 6
	if text, err := os.ReadFile(seed); err == nil {
		// The interviewer's turns are the questions.
		sections = strings.Count(string(text), "\nJoaquín Sáez:")
		if sections != 6 {
			t.Errorf("the seed interview has %d questions, the set was written for 6", sections)
		}
	}
	valid := map[string]int{}
	for i := 1; i <= sections; i++ {
		valid[fmt.Sprintf("%s#q%d", doc, i)] = i
	}

	answerID := regexp.MustCompile(`^s([1-9])-\d\d$`)
	declineID := regexp.MustCompile(`^d-\d\d$`)
	perSection := map[int]int{}
	texts := map[string]string{}
	var answerable, declinable int
	for _, q := range s.Queries {
		norm := strings.ToLower(strings.TrimSpace(q.Text))
		if prev, dup := texts[norm]; dup {
			t.Errorf("%s repeats the text of %s: %q", q.ID, prev, q.Text)
		}
		texts[norm] = q.ID
		if q.Decline {
			declinable++
			if !declineID.MatchString(q.ID) {
				t.Errorf("decline query id %q, want d-NN", q.ID)
			}
			continue
		}
		answerable++
		m := answerID.FindStringSubmatch(q.ID)
		if m == nil {
			t.Errorf("answerable query id %q, want sN-NN", q.ID)
			continue
		}
		// The id's section is the one judged most relevant, and only once.
		best, bestScore, ties := 0, 0, 0
		for id, score := range s.Qrels[q.ID] {
			n, ok := valid[id]
			if !ok {
				t.Errorf("%s is judged against %q, not a question of the seed interview", q.ID, id)
			}
			switch {
			case score > bestScore:
				best, bestScore, ties = n, score, 1
			case score == bestScore:
				ties++
			}
		}
		if fmt.Sprint(best) != m[1] || ties != 1 {
			t.Errorf("%s: most relevant section is %d (%d tied), want %s alone", q.ID, best, ties, m[1])
		}
		perSection[best]++
	}
	if answerable < 48 || declinable < 20 {
		t.Errorf("%d answerable and %d decline queries, want at least 48 and 20", answerable, declinable)
	}
	for i := 1; i <= sections; i++ {
		if perSection[i] < 8 {
			t.Errorf("section %d answers %d queries, want at least 8", i, perSection[i])
		}
	}
	t.Logf("%d answerable (%v per section), %d to decline", answerable, perSection, declinable)
}
