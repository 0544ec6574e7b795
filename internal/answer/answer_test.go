package answer_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/quote"
	"github.com/verbatimbot/verbatim/seeds"
)

const seedID = "spcis-china-latin-america-technology"

// newAnswerer indexes the shipped seeds and extra documents in memory.
func newAnswerer(tb testing.TB, extra ...*document.Document) (*answer.Answerer, *corpus.Set) {
	tb.Helper()
	docs, err := seeds.Documents()
	if err != nil {
		tb.Fatal(err)
	}
	docs = append(docs, extra...)
	idx, _, err := bleveindex.Open("", bleveindex.DefaultTuning, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { idx.Close() })
	if _, _, err := idx.Sync(docs); err != nil {
		tb.Fatal(err)
	}
	set := corpus.New(docs...)
	return answer.New(idx, set, answer.Options{}), set
}

// firstHit asks question (3 hits) and fails unless it is answered first by
// section of doc; it returns the answer and that hit.
func firstHit(t *testing.T, a *answer.Answerer, question, doc string, section int) (answer.Answer, answer.Hit) {
	t.Helper()
	ans, err := a.Ask(context.Background(), question, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Answered || len(ans.Hits) == 0 {
		t.Fatalf("not answered: %+v", ans)
	}
	h := ans.Hits[0]
	if h.Document != doc || h.Section != section {
		t.Fatalf("first hit %s#q%d, want %s#q%d", h.Document, h.Section, doc, section)
	}
	return ans, h
}

// checkVerbatim fails unless every hit quotes its section exactly.
func checkVerbatim(t testing.TB, set *corpus.Set, ans answer.Answer) {
	t.Helper()
	for _, h := range ans.Hits {
		d, ok := set.Document(h.Document)
		if !ok {
			t.Fatalf("hit in unknown document %q", h.Document)
		}
		text := strings.Join(d.Intro, "\n\n")
		if s, ok := d.Section(h.Section); ok {
			text = s.Answer()
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(h.Quote, quote.Ellipsis+" "), " "+quote.Ellipsis)
		if inner == "" || !strings.Contains(text, inner) {
			t.Fatalf("quote %q is not verbatim from %s#q%d", h.Quote, h.Document, h.Section)
		}
	}
}

func TestAskSeeds(t *testing.T) {
	a, set := newAnswerer(t)
	tests := []struct {
		question string
		section  int
		quoted   string // must appear in the first quote
	}{
		{"Which companies compete with European and U.S. providers?", 1, "Huawei, ZTE, and Hikvision"},
		{"hikvison", 1, "Hikvision"},                              // typo
		{"Neuquen", 2, "Neuquén"},                                 // accent folded
		{"electrik buses in santiago", 3, "electric buses"},       // typo
		{"How much of China's energy comes from coal?", 3, "70%"}, // detail
		{"buen vivir", 4, "buen vivir"},
		{"What role do CGTN and Xinhua play?", 4, "CGTN or Xinhua"},
		{"ESG reports", 5, "ESG reports"},
		{"Should there be a recycling plan for old solar panels?", 6, "recycling plan"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			ans, h := firstHit(t, a, tt.question, seedID, tt.section)
			if !strings.Contains(h.Quote, tt.quoted) {
				t.Errorf("quote %q lacks %q", h.Quote, tt.quoted)
			}
			if h.Speaker != "Sascha Hannig" || h.Asker != "Joaquín Sáez" || h.Asked == "" || h.Title == "" {
				t.Errorf("hit metadata %+v", h)
			}
			if !strings.HasPrefix(h.Link, "https://www.spcis.org/post/china-latin-america-technological-cooperation-soft-power-and-sustainability#:~:text=") {
				t.Errorf("link %q", h.Link)
			}
			checkVerbatim(t, set, ans)
		})
	}
}

func TestAskDeclines(t *testing.T) {
	a, _ := newAnswerer(t)
	for _, q := range []string{
		"What is the capital of France?",
		"Give me a recipe for empanadas.",
		"best pizza near me",
		"???!!!...",
		"🙂🙂🙂",
		"title:x AND -y \"(",
		"ما هي عاصمة فرنسا؟",
	} {
		t.Run(q, func(t *testing.T) {
			ans, err := a.Ask(context.Background(), q, "", 3)
			if err != nil {
				t.Fatal(err)
			}
			if ans.Answered || len(ans.Hits) != 0 {
				t.Fatalf("answered %q with %+v", q, ans.Hits)
			}
			if len(ans.Suggestions) == 0 {
				t.Fatal("no suggested questions")
			}
			for _, s := range ans.Suggestions {
				if s.Question == "" || s.Document != seedID {
					t.Errorf("suggestion %+v", s)
				}
			}
		})
	}
}

func TestAskRefuses(t *testing.T) {
	a, _ := newAnswerer(t)
	for _, tt := range []struct {
		name, q string
		want    error
	}{
		{"empty", "", answer.ErrEmptyQuestion},
		{"blanks", " \t\n ", answer.ErrEmptyQuestion},
		{"NUL bytes", "\x00\x00", answer.ErrEmptyQuestion},
		{"10 kB", strings.Repeat("solar panels ", 800), answer.ErrQuestionTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Ask(context.Background(), tt.q, "", 3)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAskCleansHostileText(t *testing.T) {
	a, set := newAnswerer(t)
	// Invalid UTF-8 and NUL bytes around real words still find the answer.
	ans, err := a.Ask(context.Background(), "\xff\xfeHikvision\x00 cameras\xc3", "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Answered || ans.Hits[0].Section != 1 {
		t.Fatalf("got %+v", ans)
	}
	checkVerbatim(t, set, ans)
}

func TestAskServerScope(t *testing.T) {
	private := &document.Document{ID: "guild-doc", Server: "111",
		Meta: document.Metadata{Title: "Lithium talks"},
		Sections: []document.Section{{Question: "What about lithium in the Atacama?", Asker: "Q", Answerer: "A",
			Paragraphs: []string{"Lithium extraction in the Atacama salt flats draws Chinese investors."}}}}
	a, _ := newAnswerer(t, private)
	for _, tt := range []struct {
		server string
		want   bool
	}{{"111", true}, {"222", false}, {"", false}} {
		ans, err := a.Ask(context.Background(), "lithium Atacama", tt.server, 3)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range ans.Hits {
			found = found || h.Document == "guild-doc"
		}
		if found != tt.want {
			t.Errorf("server %q: found=%v, want %v (%+v)", tt.server, found, tt.want, ans)
		}
	}
}

func TestAskTopAndOrder(t *testing.T) {
	a, _ := newAnswerer(t)
	ans, err := a.Ask(context.Background(), "solar panels", "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Hits) == 0 || len(ans.Hits) > 2 {
		t.Fatalf("%d hits", len(ans.Hits))
	}
	for i := 1; i < len(ans.Hits); i++ {
		if ans.Hits[i].Score > ans.Hits[i-1].Score {
			t.Errorf("hits out of order: %v then %v", ans.Hits[i-1].Score, ans.Hits[i].Score)
		}
	}
}

func TestLinkWithoutSource(t *testing.T) {
	d := &document.Document{ID: "local doc", Meta: document.Metadata{Title: "T"},
		Sections: []document.Section{{Question: "Why?", Paragraphs: []string{"Because."}}}}
	a := answer.New(nil, corpus.New(d), answer.Options{DocumentURL: func(d *document.Document) string {
		return answer.DocumentPath("https://verbatim.example/", d.ID)
	}})
	if got, want := a.Link(d, 1), "https://verbatim.example/docs/local%20doc#q1"; got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
	if got := answer.New(nil, corpus.New(d), answer.Options{}).Link(d, 1); got != "" {
		t.Errorf("Link without base = %q, want none", got)
	}
}

// A question written in Markdown is linked by the text its page shows:
// the stars of *soft power* are not on the page, so the fragment must not
// ask for them.
func TestLinkToRenderedQuestion(t *testing.T) {
	d := &document.Document{ID: "md", Meta: document.Metadata{Title: "T", SourceURL: "https://example.org/post"},
		Sections: []document.Section{{Question: "What is *soft power*, according to [Nye](https://example.org/nye)?", Paragraphs: []string{"Attraction."}}}}
	got := answer.New(nil, corpus.New(d), answer.Options{}).Link(d, 1)
	if want := "https://example.org/post#:~:text=What%20is%20soft%20power%2C%20according%20to%20Nye%3F"; got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
}

// FuzzAsk feeds arbitrary text to the question path: it must never fail
// but with the two refusals, and every quote must be verbatim.
func FuzzAsk(f *testing.F) {
	for _, s := range []string{"", "Hikvision", "title:x AND -y \"(", "\x00\xff", "🙂", "¿Qué pasó en Neuquén?", "a*b?c~2 ^3", strings.Repeat("x", 1001)} {
		f.Add(s)
	}
	a, set := newAnswerer(f)
	f.Fuzz(func(t *testing.T, q string) {
		ans, err := a.Ask(context.Background(), q, "", 3)
		if err != nil {
			if errors.Is(err, answer.ErrEmptyQuestion) || errors.Is(err, answer.ErrQuestionTooLong) {
				return
			}
			t.Fatalf("Ask(%q): %v", q, err)
		}
		if ans.Answered == (len(ans.Hits) == 0) {
			t.Fatalf("answered=%v with %d hits", ans.Answered, len(ans.Hits))
		}
		checkVerbatim(t, set, ans)
	})
}

// BenchmarkAskSeeds is one question against the seeds, quotes included.
func BenchmarkAskSeeds(b *testing.B) {
	a, _ := newAnswerer(b)
	qs := []string{"Which companies compete with European providers?", "electrik buses in santiago",
		"What should companies do about solar panel recycling?", "What is the capital of France?"}
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := a.Ask(ctx, qs[i%len(qs)], "", 3); err != nil {
			b.Fatal(err)
		}
	}
}

// A question asked word for word as the corpus asks it (autocomplete
// offers them) is answered by its own section first, even where another
// section's answer repeats its words more; cut with "…" as autocomplete
// cuts long ones, too, and as its page shows it (the ask box's
// suggestions), Markdown read, or as written.
func TestAskVerbatimQuestion(t *testing.T) {
	d := &document.Document{ID: "harbour", Meta: document.Metadata{Title: "Harbour life"}, Sections: []document.Section{
		{Question: "What do you think about the [harbour](https://port.example/plans) dredging plans for *next* year?", Asker: "Q", Answerer: "A",
			Paragraphs: []string{strings.Repeat("We have not decided anything yet, and the council only meets in spring, so there is little to say about it. ", 12)}},
		{Question: "And the harbour dredging plans next year?", Asker: "Q", Answerer: "A",
			Paragraphs: []string{"Harbour dredging plans, harbour dredging plans: next year, harbour dredging plans."}},
	}}
	a, _ := newAnswerer(t, d)
	ctx := context.Background()
	first := func(q string) int {
		t.Helper()
		rk, err := a.Search(ctx, q, "", 5)
		if err != nil || len(rk.Candidates) == 0 || !rk.Answered {
			t.Fatalf("%q: %v %+v", q, err, rk)
		}
		return rk.Candidates[0].Ref.Section
	}
	if got := first("harbour dredging plans next year"); got != 2 {
		t.Fatalf("the keywords rank section %d first; the test needs BM25 to prefer section 2", got)
	}
	for _, q := range []string{
		"What do you think about the harbour dredging plans for next year?",
		"what do you think about the HARBOUR dredging plans for next year",
		"What do you think about the harbour dredging…",
		"What do you think about the [harbour](https://port.example/plans) dredging plans for *next* year?",
	} {
		if got := first(q); got != 1 {
			t.Errorf("%q: section %d first, want its own section 1", q, got)
		}
	}
}

// vanishingCorpus forgets a document once it has been looked up: a
// moderator removing it while a question about it is being answered.
type vanishingCorpus struct {
	*corpus.Set
	id   string
	seen atomic.Bool
}

func (c *vanishingCorpus) Document(id string) (*document.Document, bool) {
	if id == c.id && c.seen.Swap(true) {
		return nil, false
	}
	return c.Set.Document(id)
}

// A document removed between the search and the quoting is quoted as the
// search found it, never a nil dereference.
func TestAskWhileDocumentRemoved(t *testing.T) {
	docs, err := seeds.Documents()
	if err != nil {
		t.Fatal(err)
	}
	idx, _, err := bleveindex.Open("", bleveindex.DefaultTuning, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if _, _, err := idx.Sync(docs); err != nil {
		t.Fatal(err)
	}
	c := &vanishingCorpus{Set: corpus.New(docs...), id: seedID}
	a := answer.New(idx, c, answer.Options{})
	ans, err := a.Ask(context.Background(), "Which companies compete with European providers?", "", 3)
	if err != nil || !ans.Answered || !strings.Contains(ans.Hits[0].Quote, "Hikvision") {
		t.Fatalf("%v %+v", err, ans)
	}
}

// TestQuoteFor quotes a section for a question's terms, as a button does
// long after the question: the sentences that hold them, not the opening.
func TestQuoteFor(t *testing.T) {
	a, set := newAnswerer(t)
	ans, err := a.Ask(context.Background(), "power imbalance with local governments", "", 3)
	if err != nil || len(ans.Terms) == 0 {
		t.Fatalf("Ask: %v, terms %q", err, ans.Terms)
	}
	d, _ := set.Document(seedID)
	found := false
	for k := 1; k <= len(d.Sections); k++ {
		s, _ := d.Section(k)
		if !strings.Contains(s.Answer(), "power imbalance") {
			continue
		}
		found = true
		opening, ok := a.QuoteFor(d, k, nil, 0)
		if !ok || strings.Contains(opening.Quote, "power imbalance") || strings.HasPrefix(opening.Quote, quote.Ellipsis) {
			t.Fatalf("with no terms, section %d is not quoted by its opening: %q", k, opening.Quote)
		}
		h, ok := a.QuoteFor(d, k, ans.Terms, 0)
		if !ok || !strings.Contains(h.Quote, "power imbalance") || h.Asked != s.Question || h.Section != k || h.Link == "" {
			t.Errorf("section %d for %q: %+v", k, ans.Terms, h)
		}
		// In less room, still the sentence that holds them, whole or cut at
		// a word with "…", never the opening instead.
		short, ok := a.QuoteFor(d, k, ans.Terms, 200)
		if !ok || utf8.RuneCountInString(short.Quote) > 200 || !strings.Contains(short.Quote, "power imbalance") || len(short.Quote) >= len(h.Quote) {
			t.Errorf("section %d in 200 characters: %d chars %q (in the default room: %d)", k, utf8.RuneCountInString(short.Quote), short.Quote, utf8.RuneCountInString(h.Quote))
		}
		checkVerbatim(t, set, answer.Answer{Hits: []answer.Hit{h, opening, short}})
	}
	if !found {
		t.Fatal(`no seed section speaks of a "power imbalance": the test checks nothing`)
	}
	if _, ok := a.QuoteFor(d, len(d.Sections)+1, ans.Terms, 0); ok {
		t.Error("a section past the last was quoted")
	}
	// Terms are what some section holds, weightiest first: a word the
	// corpus lacks would take a button's room and mark nothing, while a
	// typo's correction can.
	typo, err := a.Ask(context.Background(), "electrik buses in zzyzxqv", "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(typo.Terms, "zzyzxqv") || slices.Contains(typo.Terms, "electrik") || !slices.Contains(typo.Terms, "electr") || len(typo.Terms) != 2 {
		t.Errorf("terms of a question with a typo and an unknown word: %q", typo.Terms)
	}
}

// A question two people answer is two sections of one document, and one
// suggestion, not the same question twice.
func TestSuggestionsOncePerQuestion(t *testing.T) {
	panel := &document.Document{ID: "panel", Server: "9", Meta: document.Metadata{Title: "Panel", Language: "en"},
		Sections: []document.Section{
			{Question: "What do lighthouse keepers do at night?", Asker: "Mod", Answerer: "Ana", Paragraphs: []string{"They keep the lamp lit."}},
			{Question: "What do lighthouse keepers do at night?", Asker: "Mod", Answerer: "Luis", Paragraphs: []string{"They log passing ships."}},
			{Question: "Who paints the tower?", Asker: "Mod", Answerer: "Ana", Paragraphs: []string{"A crew from the port."}},
		}}
	a, _ := newAnswerer(t, panel)
	ans, err := a.Ask(context.Background(), "What do lighthouse keepers eat for breakfast on holidays?", "9", 3)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Answered {
		t.Fatalf("answered, so no suggestions to check: %+v", ans.Hits)
	}
	n := 0
	for _, s := range ans.Suggestions {
		if s.Question == "What do lighthouse keepers do at night?" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the panel's question suggested %d times: %+v", n, ans.Suggestions)
	}
}
