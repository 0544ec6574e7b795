package bot

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
)

func TestLimiterBoundedMemory(t *testing.T) {
	l := newLimiter(2, time.Second, 100)
	now := time.Unix(0, 0)
	if !l.allow("a", now) || !l.allow("a", now) || l.allow("a", now) {
		t.Fatal("burst of 2 not enforced")
	}
	if !l.allow("a", now.Add(time.Second)) {
		t.Error("no refill after a second")
	}
	for k := range 1000 {
		l.allow(strings.Repeat("u", k%50)+string(rune('A'+k%26))+time.Duration(k).String(), now)
	}
	if n := l.size(); n > 100 {
		t.Errorf("limiter holds %d users, cap 100", n)
	}
}

func TestEncodeMore(t *testing.T) {
	refs := []document.Ref{{Document: "doc-a", Section: 2}, {Document: "doc-b", Section: 7}, {Document: "doc-a", Section: 5}}
	id := encodeMore(refs, []string{"neuquen", "station", "bad|term", "two words", "space"})
	if id != "m:doc-a:2,5;doc-b:7|neuquen station space" {
		t.Errorf("encode: %q", id)
	}
	got, terms := decodeMore(strings.TrimPrefix(id, "m:"))
	if len(got) != 3 || got[2] != (document.Ref{Document: "doc-b", Section: 7}) || strings.Join(terms, " ") != "neuquen station space" {
		t.Errorf("decode: %+v %q", got, terms)
	}
	// Buttons made before terms were kept still decode.
	if got, terms := decodeMore("doc-a:2,5;doc-b:7"); len(got) != 3 || len(terms) != 0 {
		t.Errorf("decode without terms: %+v %q", got, terms)
	}
	long := strings.Repeat("x", 60)
	id = encodeMore([]document.Ref{{Document: long, Section: 1}, {Document: long + "y", Section: 2}}, []string{strings.Repeat("w", 40), "short"})
	if len(id) > maxCustomID || id != "m:"+long+":1|short" {
		t.Errorf("long ids: %q", id)
	}
	if encodeMore([]document.Ref{{Document: strings.Repeat("z", 120), Section: 1}}, []string{"a"}) != "" {
		t.Error("an id that cannot fit must give no button")
	}
}

func TestRenderHitsFits(t *testing.T) {
	long := strings.Repeat("This sentence is part of a very long answer about soft power. ", 200)
	hits := []answer.Hit{
		{Title: strings.Repeat("T", 500), Asked: strings.Repeat("Why [this]? ", 80), Link: "https://x.test/a(b)#:~:text=Why", Speaker: "S", Quote: "… " + long + " …"},
		{Title: "Doc", Asked: "Q?", Speaker: "S", Quote: long},
		{Title: "Doc", Asked: "", Speaker: "S", Quote: "Short.\n\nTwo paragraphs."},
	}
	out := renderHits(hits, "", maxContent)
	if chars(out) > maxContent {
		t.Fatalf("%d chars", chars(out))
	}
	if !strings.Contains(out, "> … This sentence") || !strings.Contains(out, "soft power. …") || !strings.Contains(out, "> Short.\n>\n> Two paragraphs.") {
		t.Errorf("render:\n%s", out)
	}
	if strings.Contains(out, "a(b)") {
		t.Error("parenthesis left in a link URL")
	}
	// The quote is cut at a sentence end, never inside one.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "> … This") && !strings.HasSuffix(line, "power. …") {
			t.Errorf("cut mid-sentence: %q", line[len(line)-30:])
		}
	}
}

func TestReadBody(t *testing.T) {
	body := strings.Repeat("x", 3000)
	for _, cl := range []int64{-1, 0, 10, 3000, 5000, 1 << 30} { // unknown, wrong, right, claimed huge
		got, err := readBody(iotest.OneByteReader(strings.NewReader(body)), "1700000000", cl)
		if err != nil || string(got) != "1700000000"+body {
			t.Errorf("Content-Length %d: got %d bytes, %v", cl, len(got), err)
		}
		if cap(got) > 2*maxBodyHint {
			t.Errorf("Content-Length %d: allocated %d bytes for a 3 KB body", cl, cap(got))
		}
	}
	if _, err := readBody(iotest.ErrReader(errors.New("boom")), "", -1); err == nil {
		t.Error("read error not returned")
	}
}

// failingTransport fails every request at the network level, as a dead
// connection to Discord would.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset by peer")
}

// A failed call to Discord quotes its URL, which holds the interaction's
// token; the errors the replier returns, and the bot logs, must not.
func TestReplierErrorsHideToken(t *testing.T) {
	s, err := discordgo.New("Bot test")
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: failingTransport{}}
	s.MaxRestRetries = 0
	const token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpzZWNyZXQtdG9rZW4"
	i := &discordgo.Interaction{ID: "1100000000000000900", AppID: "1100000000000000001", Token: token}
	r := sessionReplier{s}
	content := "x"
	for name, err := range map[string]error{
		"respond":  r.Respond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource}),
		"edit":     r.Edit(i, &discordgo.WebhookEdit{Content: &content}),
		"delete":   r.DeleteOriginal(i),
		"followup": r.Followup(i, &discordgo.WebhookParams{Content: "x"}),
	} {
		if err == nil {
			t.Fatalf("%s: no error from a failing transport", name)
		}
		if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("%s: %v", name, err)
		}
		var ue *url.Error
		if !errors.As(err, &ue) {
			t.Errorf("%s: the original error is lost: %T", name, err)
		}
	}
}

// Corpus text shows as written: every markdown character escaped, and
// lines that would start a list or a heading kept as text.
func TestPlainEscapesMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"It was *the* turning point":     `It was \*the\* turning point`,
		"snake_case and `code` ~~gone~~": "snake\\_case and \\`code\\` \\~\\~gone\\~\\~",
		"||spoiler|| [text](http://x)":   `\|\|spoiler\|\| \[text\](http://x)`,
		"<@123> <t:1:R> > quoted":        `\<@123\> \<t:1:R\> \> quoted`,
		"# Heading\n- item\n12. item":    "\\# Heading\n\\- item\n12\\. item",
		`back\slash`:                     `back\\slash`,
		"plain words, 3.5 percent":       "plain words, 3.5 percent",
	} {
		if got := plain(in); got != want {
			t.Errorf("plain(%q) = %q, want %q", in, got, want)
		}
	}
	h := answer.Hit{Asked: "Why *now*?", Speaker: "A_B", Title: "T", Quote: "It was *the* turning point."}
	got := renderHits([]answer.Hit{h}, "", maxContent)
	if !strings.Contains(got, `> It was \*the\* turning point.`) || !strings.Contains(got, `**Why \*now\*?**`) || !strings.Contains(got, `A\_B`) {
		t.Errorf("rendered:\n%s", got)
	}
}

// FuzzDecodeMore feeds decodeMore what any Discord user can send as a
// button's custom_id: it must not panic, must give sections that exist as
// numbers (0 and up) of named documents, and what encodeMore makes of its
// result must fit a custom_id.
func FuzzDecodeMore(f *testing.F) {
	for _, s := range []string{"doc-a:2,5;doc-b:7|neuquen station", ";;:,||  |", "x:-1,99999999999999999999", "a:1|b|c", ":1;d:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		refs, terms := decodeMore(payload)
		if len(refs) > len(payload) {
			t.Fatalf("%d refs from %d bytes", len(refs), len(payload))
		}
		for _, r := range refs {
			if r.Document == "" || r.Section < 0 {
				t.Fatalf("ref %+v from %q", r, payload)
			}
		}
		if id := encodeMore(refs, terms); len(id) > maxCustomID {
			t.Fatalf("custom_id of %d bytes", len(id))
		}
	})
}
