package bleveindex_test

import (
	"context"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/seeds"
)

// TestCorrectionsFollowTheIndex checks that the corrections kept for a
// word are those of the index as it is: a change to the corpus forgets
// them, and a word with none is asked again after the change.
func TestCorrectionsFollowTheIndex(t *testing.T) {
	x := memIndex(t)
	if err := x.Put(doc("a", "", "Waste?", "Recycling of solar panels.")); err != nil {
		t.Fatal(err)
	}
	for range 2 { // found, then kept
		if got := search(t, x, "recyclinx"); len(got) != 1 || got[0] != "a#q1" {
			t.Fatalf("recyclinx: %v", got)
		}
	}
	if got := search(t, x, "xylophonx"); len(got) != 0 {
		t.Fatalf("xylophonx: %v", got)
	}
	if err := x.Remove("a"); err != nil {
		t.Fatal(err)
	}
	if err := x.Put(doc("b", "", "Waste?", "A recyclinz plant."), doc("c", "", "Music?", "A xylophone.")); err != nil {
		t.Fatal(err)
	}
	if got := search(t, x, "recyclinx"); len(got) != 1 || got[0] != "b#q1" {
		t.Errorf("recyclinx after the change: %v", got)
	}
	if got := search(t, x, "xylophonx"); len(got) != 1 || got[0] != "c#q1" {
		t.Errorf("xylophonx after the change: %v", got)
	}
}

// TestCorrectionsBounded checks that the corrections kept are bounded.
func TestCorrectionsBounded(t *testing.T) {
	x := memIndex(t)
	if err := x.Put(doc("a", "", "Waste?", "Recycling of solar panels.")); err != nil {
		t.Fatal(err)
	}
	words := 0
	for i := range 1500 {
		word := "zq"
		for n := i; n > 0 || len(word) < 6; n /= 26 {
			word += string(rune('a' + n%26))
		}
		search(t, x, word)
		words = bleveindex.CorrectedWords(x)
	}
	if words == 0 || words > 1024 {
		t.Errorf("%d words kept, want 1 to 1024", words)
	}
}

// BenchmarkSearchTypo is a search of the seeds by a question with a word
// the corpus lacks, so that spelling corrections are looked for:
//
//	go test -run XXX -bench SearchTypo -benchmem ./internal/bleveindex/
func BenchmarkSearchTypo(b *testing.B) {
	docs, err := seeds.Documents()
	if err != nil {
		b.Fatal(err)
	}
	x := memIndex(b, docs...)
	qs := []string{"electrik buses in santiago", "hikvison cameras", "recyling of solar panels", "lithum prices"}
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := x.Search(ctx, answer.Query{Text: qs[i%len(qs)], Limit: 10}); err != nil {
			b.Fatal(err)
		}
	}
}
