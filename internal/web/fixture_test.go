package web

import (
	"bytes"
	"sync"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/metrics"
	"github.com/verbatimbot/verbatim/seeds"
)

const (
	seedID    = "spcis-china-latin-america-technology"
	baseURL   = "https://verbatim.example"
	hostileID = "hostile"
	privateID = "guild-notes"
	guild     = "111111111111111111"
	otherID   = "other-guild-notes"
	spanishID = "faros-del-sur"
	other     = "222222222222222222"
)

var testKey = bytes.Repeat([]byte{7}, KeySize)

// hostile is a shared document whose every field tries to be markup.
var hostile = &document.Document{
	ID: hostileID,
	Meta: document.Metadata{
		Title:       `<script>alert("title")</script> Zebra handling`,
		SourceURL:   `javascript:alert(1)`,
		Publisher:   `<b>Publisher</b>`,
		Language:    `en"><script>alert(1)</script>`,
		Interviewer: `<i>Interviewer</i>`,
		Interviewee: `<img src=x onerror=alert(1)>`,
	},
	Intro: []string{`Intro with <iframe src="https://evil.example"></iframe>.`},
	Sections: []document.Section{
		{Question: `How are <script>zebras</script> handled?`, Asker: `Q"onmouseover="x`, Answerer: `A`, Paragraphs: []string{`Zebras are handled </p><script>alert("answer")</script> with care & patience.`}},
	},
}

// spanish is a shared document in Spanish whose answer breaks its lines.
var spanish = &document.Document{
	ID:   spanishID,
	Meta: document.Metadata{Title: "Faros del sur", Language: "es", Interviewee: "Marta Ruiz"},
	Sections: []document.Section{{Question: "¿Cuáles son las reglas del faro?",
		Paragraphs: []string{"Hay tres reglas:\n- mantener la lámpara encendida\n- anotar cada barco\n- no salir de noche"}}},
}

// private belongs to one server; other to another.
var (
	private = &document.Document{
		ID: privateID, Server: guild,
		Meta:     document.Metadata{Title: "Guild notes", Interviewer: "Moderator", Interviewee: "Member"},
		Sections: []document.Section{{Question: "What does the guild grow?", Paragraphs: []string{"The guild grows quinoa on terraces."}}},
	}
	otherDoc = &document.Document{
		ID: otherID, Server: other,
		Meta:     document.Metadata{Title: "Other notes"},
		Sections: []document.Section{{Question: "What is stored?", Paragraphs: []string{"Nothing is stored."}}},
	}
)

type fixture struct {
	corpus   *corpus.Set
	answerer *answer.Answerer
	links    *Links
	metrics  *metrics.Registry
	server   *Server
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

// newFixture builds, once per test binary, the answerer over the real seeds
// (plus the hostile and server-owned documents) with an index in memory, as
// cmd/verbatim does, and a server over it.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	fixOnce.Do(func() {
		docs, err := seeds.Documents()
		if err != nil {
			fixErr = err
			return
		}
		set := corpus.New(append(docs, hostile, private, otherDoc, spanish)...)
		idx, _, err := bleveindex.Open("", bleveindex.DefaultTuning, nil)
		if err != nil {
			fixErr = err
			return
		}
		if _, _, err := idx.Sync(set.All()); err != nil {
			fixErr = err
			return
		}
		links := NewLinks(baseURL, testKey)
		ans := answer.New(idx, set, answer.Options{DocumentURL: links.DocumentURL})
		reg := metrics.New(set.Len)
		fix = &fixture{corpus: set, answerer: ans, links: links, metrics: reg}
		fix.server = New(Options{
			Answerer: metrics.Instrument(ans, reg),
			Corpus:   set,
			Links:    links,
			Metrics:  reg,
		})
	})
	if fixErr != nil {
		tb.Fatal(fixErr)
	}
	return fix
}
