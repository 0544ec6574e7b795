package bleveindex_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/document"
)

var quiet = slog.New(slog.DiscardHandler)

// memIndex is an index in memory holding docs, closed when the test ends.
func memIndex(tb testing.TB, docs ...*document.Document) *bleveindex.Index {
	tb.Helper()
	x, _, err := bleveindex.Open("", bleveindex.DefaultTuning, quiet)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { x.Close() })
	if _, _, err := x.Sync(docs); err != nil {
		tb.Fatal(err)
	}
	return x
}

func doc(id, server, question, ans string) *document.Document {
	return &document.Document{ID: id, Server: server, Meta: document.Metadata{Title: "Title " + id},
		Sections: []document.Section{{Question: question, Paragraphs: []string{ans}}}}
}

func search(t *testing.T, x *bleveindex.Index, q string, servers ...string) []string {
	t.Helper()
	res, err := x.Search(context.Background(), answer.Query{Text: q, Servers: servers, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range res.Matches {
		out = append(out, m.Ref.String())
	}
	return out
}

func TestReopenAndSync(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	docs := []*document.Document{doc("a", "", "Who builds the dams?", "Hydroelectric dams in Ecuador."), doc("b", "", "Solar?", "Cheap solar panels.")}

	x, created, err := bleveindex.Open(dir, bleveindex.DefaultTuning, quiet)
	if err != nil || !created {
		t.Fatalf("Open new: created=%v err=%v", created, err)
	}
	if n, r, err := x.Sync(docs); err != nil || n != 2 || r != 0 {
		t.Fatalf("first Sync = %d, %d, %v", n, r, err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}

	x, created, err = bleveindex.Open(dir, bleveindex.DefaultTuning, quiet)
	if err != nil || created {
		t.Fatalf("reopen: created=%v err=%v", created, err)
	}
	defer x.Close()
	if n, r, err := x.Sync(docs); err != nil || n != 0 || r != 0 {
		t.Fatalf("Sync of an up-to-date index = %d, %d, %v", n, r, err)
	}
	if got := search(t, x, "dams"); len(got) != 1 || got[0] != "a#q1" {
		t.Fatalf("search after reopen = %v", got)
	}
	// A changed document is reindexed; a vanished one removed.
	changed := doc("a", "", "Who builds the dams?", "Hydroelectric dams in Ecuador and Argentina.")
	if n, r, err := x.Sync([]*document.Document{changed}); err != nil || n != 1 || r != 1 {
		t.Fatalf("Sync after change = %d, %d, %v", n, r, err)
	}
	if got := search(t, x, "solar"); len(got) != 0 {
		t.Fatalf("removed document still found: %v", got)
	}
	if got := search(t, x, "argentina"); len(got) != 1 {
		t.Fatalf("changed document not reindexed: %v", got)
	}
	if x.Count() != 1 {
		t.Fatalf("Count = %d", x.Count())
	}
}

func TestOpenRebuildsDamagedIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	x, created, err := bleveindex.Open(dir, bleveindex.DefaultTuning, quiet)
	if err != nil || !created {
		t.Fatalf("Open damaged: created=%v err=%v", created, err)
	}
	x.Close()
}

func TestOpenRefusesSecondProcessQuickly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	x, _, err := bleveindex.Open(dir, bleveindex.DefaultTuning, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	// Same process, second handle: the lock is held, so Open must give up
	// (after the bolt timeout) rather than wait forever or destroy it.
	y, _, err := bleveindex.Open(dir, bleveindex.DefaultTuning, quiet)
	if err == nil {
		y.Close()
		t.Fatal("second Open of a locked index succeeded")
	}
	if !errors.Is(err, bleveindex.ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if got := search(t, x, "anything"); got != nil {
		t.Fatalf("index changed: %v", got)
	}
}

func TestServerScope(t *testing.T) {
	x := memIndex(t)
	if _, _, err := x.Sync([]*document.Document{
		doc("global", "", "Lithium?", "Lithium in Chile."),
		doc("g1", "111", "Lithium here?", "Lithium in Argentina."),
		doc("g2", "222", "Lithium there?", "Lithium in Bolivia."),
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		servers []string
		want    map[string]bool
	}{
		{nil, map[string]bool{"global#q1": true}},
		{[]string{"111"}, map[string]bool{"global#q1": true, "g1#q1": true}},
		{[]string{"222"}, map[string]bool{"global#q1": true, "g2#q1": true}},
	} {
		got := search(t, x, "lithium", tt.servers...)
		if len(got) != len(tt.want) {
			t.Errorf("servers %v: got %v", tt.servers, got)
		}
		for _, g := range got {
			if !tt.want[g] {
				t.Errorf("servers %v: unexpected %s", tt.servers, g)
			}
		}
	}
}

func TestAnalyzeKeepsOffsets(t *testing.T) {
	x := memIndex(t)
	text := "Controversies in Neuquén and “Sumak Kawsay”."
	toks := x.Analyze("", text)
	found := false
	for _, tok := range toks {
		if tok.Term == "neuquen" {
			found = true
			if text[tok.Start:tok.End] != "Neuquén" {
				t.Errorf("offsets select %q", text[tok.Start:tok.End])
			}
		}
	}
	if !found {
		t.Fatalf("no folded term in %+v", toks)
	}
}

func TestCorrections(t *testing.T) {
	x := memIndex(t, doc("a", "", "Cameras?", "Hikvision sells cameras."), doc("b", "", "Buses?", "Electric buses run in Santiago."))
	if got := search(t, x, "hikvison"); len(got) == 0 || got[0] != "a#q1" {
		t.Errorf("hikvison: %v", got)
	}
	if got := search(t, x, "electrik"); len(got) == 0 || got[0] != "b#q1" {
		t.Errorf("electrik: %v", got)
	}
	if got := search(t, x, "xylophone"); len(got) != 0 {
		t.Errorf("xylophone: %v", got)
	}
}

func TestAnalyzeSpanish(t *testing.T) {
	x := memIndex(t)
	terms := func(lang, text string) []string {
		var out []string
		for _, tok := range x.Analyze(lang, text) {
			out = append(out, tok.Term)
		}
		return out
	}
	text := "¡La información de las tecnologías llegó a Neuquén!"
	toks := x.Analyze("es", text)
	if len(toks) != 4 { // la, de, las, a are stop words
		t.Fatalf("terms %+v", toks)
	}
	for _, tok := range toks {
		if w := text[tok.Start:tok.End]; !strings.Contains("información tecnologías llegó Neuquén", w) {
			t.Errorf("term %q selects %q", tok.Term, w)
		}
	}
	for _, tt := range []struct{ a, b string }{
		{"información", "informacion"}, {"información", "informaciones"},
		{"tecnología", "tecnologia"}, {"tecnología", "tecnológica"}, {"tecnologías", "tecnologia"},
		{"baterías", "baterias"}, {"cooperación", "cooperar"}, {"Años", "anos"},
	} {
		if a, b := terms("es", tt.a), terms("es", tt.b); len(a) != 1 || !slices.Equal(a, b) {
			t.Errorf("%q gives %v, %q gives %v", tt.a, a, tt.b, b)
		}
	}
	// Regional codes are Spanish; other and unstated languages English.
	if a, b := terms("es-AR", "comunidades"), terms("es", "comunidades"); !slices.Equal(a, b) {
		t.Errorf("es-AR %v, es %v", a, b)
	}
	if a, b := terms("fr", "the communities"), terms("", "the communities"); !slices.Equal(a, b) || len(a) != 1 {
		t.Errorf("fr %v, none %v", a, b)
	}
}

func TestSearchSpanish(t *testing.T) {
	x := memIndex(t)
	es := doc("es", "", "¿Qué pasa con el agua de los salares?", "Las piscinas de evaporación secan las vegas y la información pública es escasa.")
	es.Meta.Language = "es"
	en := doc("en", "", "What about water?", "Evaporation ponds dry the wetlands.")
	if _, _, err := x.Sync([]*document.Document{es, en}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"evaporacion":      "es#q1", // Spanish, no accent
		"piscinas":         "es#q1",
		"informacion":      "es#q1",
		"evaporation":      "en#q1",
		"ponds":            "en#q1",
		"piscnas":          "es#q1", // a Spanish correction
		"¿Y las piscinas?": "es#q1",
	} {
		if got := search(t, x, q); len(got) == 0 || got[0] != want {
			t.Errorf("%q: %v, want %s first", q, got, want)
		}
	}
	// Terms carry their language; a Spanish word's forms share a group.
	res, err := x.Search(context.Background(), answer.Query{Text: "piscinas", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for _, term := range res.Terms {
		langs[term.Lang] = true
		if term.Group != res.Terms[0].Group {
			t.Errorf("terms %+v in several groups", res.Terms)
		}
	}
	if !langs["en"] || !langs["es"] || len(res.Matches) != 1 || res.Matches[0].Lang != "es" || len(res.Matches[0].Terms) != 1 {
		t.Errorf("result %+v", res)
	}
	// Without its Spanish document the index is English only again.
	if err := x.Remove("es"); err != nil {
		t.Fatal(err)
	}
	res, err = x.Search(context.Background(), answer.Query{Text: "evaporation piscinas", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range res.Terms {
		if term.Lang != "en" {
			t.Errorf("term %+v with only English documents", term)
		}
	}
}
