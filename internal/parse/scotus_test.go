package parse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evalDir holds the shared evaluation data (US Supreme Court transcripts).
var evalDir = filepath.Join("..", "..", "..", "shared", "evaldata", "transcripts")

func readEval(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(evalDir, name))
	if os.IsNotExist(err) {
		t.Skipf("evaluation data not found (%s): skipping", filepath.Join(evalDir, name))
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// refStatement is one statement of the reference segmentation.
type refStatement struct {
	Speaker string `json:"person_key_name"`
	Text    string `json:"text"`
}

// sameSpeaker reports whether our label ("JUSTICE SCALIA", "MR. LONG")
// names the reference speaker ("SCALIA", "ROBERT A. LONG, ESQ."): the
// label's last word is one of the reference name's words.
func sameSpeaker(label, ref string) bool {
	last := lastWord(foldKey(label))
	for _, w := range strings.Fields(foldKey(ref)) {
		if w == last {
			return true
		}
	}
	return false
}

func normSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// tokenOverlap is the size of the multiset intersection of a's and b's
// whitespace-separated tokens.
func tokenOverlap(a, b []string) int {
	count := map[string]int{}
	for _, w := range a {
		count[w]++
	}
	n := 0
	for _, w := range b {
		if count[w] > 0 {
			count[w]--
			n++
		}
	}
	return n
}

// alignTurns pairs reference statements with our turns by a longest common
// subsequence in which a pair may match only when the speakers agree and
// the texts share at least half their tokens. It returns, for each
// reference statement, the index of its turn or -1.
func alignTurns(ref []refStatement, got []Turn) []int {
	n, m := len(ref), len(got)
	rt := make([][]string, n)
	for i, r := range ref {
		rt[i] = strings.Fields(r.Text)
	}
	gt := make([][]string, m)
	for j, g := range got {
		gt[j] = strings.Fields(g.Text)
	}
	ok := func(i, j int) bool {
		if !sameSpeaker(got[j].Speaker, ref[i].Speaker) {
			return false
		}
		return 2*tokenOverlap(rt[i], gt[j]) >= max(len(rt[i]), len(gt[j]))
	}
	dp := make([][]int, n+1)
	for i := range dp {
		dp[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			best := max(dp[i+1][j], dp[i][j+1])
			if ok(i, j) && dp[i+1][j+1]+1 > best {
				best = dp[i+1][j+1] + 1
			}
			dp[i][j] = best
		}
	}
	match := make([]int, n)
	for i := range match {
		match[i] = -1
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case ok(i, j) && dp[i][j] == dp[i+1][j+1]+1:
			match[i] = j
			i++
			j++
		case dp[i+1][j] >= dp[i][j+1]:
			i++
		default:
			j++
		}
	}
	return match
}

// TestSCOTUSDay1Agreement compares the segmentation of the day-1 transcript
// with the reference segmentation made by the transcript viewer's author.
//
// Measures, over the reference statements:
//   - aligned: share of statements paired with one of our turns of the same
//     speaker (see alignTurns);
//   - exact: share of statements whose paired turn has the same speaker and
//     exactly the same text after whitespace normalisation;
//   - token recall: tokens of the reference statements found in their
//     paired turn (multiset overlap) over all reference tokens; token
//     precision: the same overlap over all tokens of our turns.
func TestSCOTUSDay1Agreement(t *testing.T) {
	data := readEval(t, "scotus_11-398_hhs-v-florida_2012-03-26.txt")
	refData := readEval(t, "scotus_11-398_2012-03-26_turns.json")
	var ref struct {
		Argument struct {
			Statements []refStatement `json:"statements"`
		} `json:"argument"`
	}
	if err := json.Unmarshal(refData, &ref); err != nil {
		t.Fatal(err)
	}
	want := ref.Argument.Statements
	got, err := Turns(data)
	if err != nil {
		t.Fatal(err)
	}
	match := alignTurns(want, got)
	aligned, exact, refTokens, gotTokens, overlap := 0, 0, 0, 0, 0
	for _, g := range got {
		gotTokens += len(strings.Fields(g.Text))
	}
	for i, r := range want {
		rt := strings.Fields(r.Text)
		refTokens += len(rt)
		j := match[i]
		if j < 0 {
			t.Logf("unaligned reference statement %d (%s): %.80q", i, r.Speaker, r.Text)
			continue
		}
		aligned++
		overlap += tokenOverlap(rt, strings.Fields(got[j].Text))
		if normSpace(r.Text) == normSpace(got[j].Text) {
			exact++
		} else {
			t.Logf("statement %d (%s) differs:\n ref: %q\n got: %q", i, r.Speaker, normSpace(r.Text), normSpace(got[j].Text))
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(b) }
	t.Logf("day 1: %d reference statements, %d turns", len(want), len(got))
	t.Logf("aligned (same speaker): %d/%d = %.1f%%", aligned, len(want), pct(aligned, len(want)))
	t.Logf("exact text match:       %d/%d = %.1f%%", exact, len(want), pct(exact, len(want)))
	t.Logf("token recall %.2f%%, token precision %.2f%%", pct(overlap, refTokens), pct(overlap, gotTokens))
	// Both reach 100% today; the thresholds leave room for a reporter's
	// note or two without letting a real regression through.
	if pct(aligned, len(want)) < 99 || pct(exact, len(want)) < 98 || pct(overlap, refTokens) < 99.5 || pct(overlap, gotTokens) < 99.5 {
		t.Errorf("agreement below threshold (aligned ≥ 99%%, exact ≥ 98%%, token recall and precision ≥ 99.5%%)")
	}
}

// TestSCOTUSDay2 parses the day-2 transcript, which has no reference
// segmentation: its README counts about 372 turns, and it ends with a word
// index that must not become turns.
func TestSCOTUSDay2(t *testing.T) {
	data := readEval(t, "scotus_11-398_hhs-v-florida_2012-03-27.txt")
	turns, err := Turns(data)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, tr := range turns {
		count[tr.Speaker]++
	}
	t.Logf("day 2: %d turns; GENERAL VERRILLI %d, MR. CARVIN %d, MR. CLEMENT %d", len(turns), count["GENERAL VERRILLI"], count["MR. CARVIN"], count["MR. CLEMENT"])
	if len(turns) < 360 || len(turns) > 385 {
		t.Errorf("%d turns, want about 372", len(turns))
	}
	if count["GENERAL VERRILLI"] != 93 || count["MR. CARVIN"] != 56 || count["MR. CLEMENT"] != 32 {
		t.Errorf("counsel turns = %v, want VERRILLI 93, CARVIN 56, CLEMENT 32", count)
	}
	// The word index starts after the "(Whereupon …)" line.
	end := 0
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "(Whereupon") {
			end = i + 1
		}
	}
	if end == 0 {
		t.Fatal("no (Whereupon …) line in the transcript")
	}
	last := turns[len(turns)-1]
	if last.Line >= end || !strings.HasSuffix(last.Text, "Counsel, we'll see you tomorrow.") {
		t.Errorf("last turn (line %d, index from line %d) = %q", last.Line, end, last.Text)
	}
	for _, tr := range turns {
		if strings.Contains(tr.Text, "Alderson") || strings.Contains(tr.Text, "Official - Subject") {
			t.Errorf("page furniture in turn at line %d: %q", tr.Line, tr.Text)
		}
	}

	doc, err := Parse(data, Options{Name: "scotus_11-398_hhs-v-florida_2012-03-27.txt"})
	if err != nil {
		t.Fatal(err)
	}
	counsel := map[string]bool{"GENERAL VERRILLI": true, "MR. CARVIN": true, "MR. CLEMENT": true}
	for i, s := range doc.Sections {
		if !strings.Contains(s.Asker, "JUSTICE") || !counsel[s.Answerer] {
			t.Errorf("section %d: asker %q, answerer %q", i+1, s.Asker, s.Answerer)
		}
	}
	t.Logf("day 2: %d sections", len(doc.Sections))
	if len(doc.Sections) < 150 {
		t.Errorf("%d sections, want more than 150", len(doc.Sections))
	}
}
