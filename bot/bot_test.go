package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/bot"
	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/config"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/discordtest"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/seeds"
)

const seedQuestion = "Which companies compete with European providers?"

var (
	libOnce  sync.Once
	libAns   *answer.Answerer
	libSet   *corpus.Set
	libIndex *bleveindex.Index
	libErr   error
)

// library indexes the shipped seeds in memory, once for all tests (the
// answerer is safe for concurrent use).
func library(t testing.TB) (*answer.Answerer, *corpus.Set) {
	t.Helper()
	libOnce.Do(func() {
		docs, err := seeds.Documents()
		if err != nil {
			libErr = err
			return
		}
		libIndex, _, libErr = bleveindex.Open("", bleveindex.DefaultTuning, slog.New(slog.DiscardHandler))
		if libErr != nil {
			return
		}
		if _, _, libErr = libIndex.Sync(docs); libErr != nil {
			return
		}
		libSet = corpus.New(docs...)
		libAns = answer.New(libIndex, libSet, answer.Options{})
	})
	if libErr != nil {
		t.Fatal(libErr)
	}
	return libAns, libSet
}

// slowAnswerer delays every answer, to hold one in flight.
type slowAnswerer struct {
	*answer.Answerer
	delay time.Duration
}

func (s slowAnswerer) Ask(ctx context.Context, q, server string, top int) (answer.Answer, error) {
	time.Sleep(s.delay)
	return s.Answerer.Ask(ctx, q, server, top)
}

// gatedAnswerer answers only once release is closed, and says on started
// when a question arrives.
type gatedAnswerer struct {
	*answer.Answerer
	started chan struct{}
	release chan struct{}
}

func (g gatedAnswerer) Ask(ctx context.Context, q, server string, top int) (answer.Answer, error) {
	g.started <- struct{}{}
	<-g.release
	return g.Answerer.Ask(ctx, q, server, top)
}

// harness is a bot running against a Discord stand-in.
type harness struct {
	srv    *discordtest.Server
	cancel context.CancelFunc // starts Run's shutdown
	done   chan error
	once   sync.Once
}

type setup struct {
	srvOpts  discordtest.Options
	global   bool // register globally instead of in the stand-in's guild
	answerer bot.Answerer
	tune     func(*bot.Bot)
	// prodLog logs as in production by default (info level, text) to a
	// buffer shown only if the test fails, instead of everything down to
	// debug to the test log: for the load tests, whose figures should not
	// include the test framework's logging.
	prodLog bool
}

// logHandler is where a harness's bot logs: the test log at debug level,
// or with prodLog an info-level buffer shown if the test fails.
func logHandler(t testing.TB, st setup) slog.Handler {
	if !st.prodLog {
		return slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})
	}
	buf := new(lockedBuffer)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bot log:\n%s", buf.String())
		}
	})
	return slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo})
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func start(t *testing.T, st setup) *harness {
	t.Helper()
	ans, set := library(t)
	srv := discordtest.New(t, st.srvOpts)
	cfg := config.Config{Token: srv.Options().Token, AppID: srv.Options().AppID, BaseURL: srv.URL(), DataDir: t.TempDir()}
	if !st.global {
		cfg.GuildID = srv.Options().GuildID
	}
	var a bot.Answerer = ans
	if st.answerer != nil {
		a = st.answerer
	}
	b, err := bot.New(cfg, a, set, slog.New(logHandler(t, st)))
	if err != nil {
		t.Fatal(err)
	}
	b.RateBurst = 1000
	if st.tune != nil {
		st.tune(b)
	}
	h := run(t, b, srv)
	wctx := ctxT(t, 15*time.Second)
	guild := cfg.GuildID
	if _, err := srv.WaitCommands(wctx, guild); err != nil { // ctx above: the first test also builds the index
		t.Fatalf("commands not registered: %v", err)
	}
	return h
}

// run runs b against srv until the test ends, then expects Run to return
// nil within 10 s.
func run(t testing.TB, b *bot.Bot, srv *discordtest.Server) *harness {
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{srv: srv, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// stop shuts the bot down (if cancel has not yet) and waits for Run to
// return, failing the test unless it returns nil within 10 s. Later calls
// return at once.
func (h *harness) stop(t testing.TB) {
	t.Helper()
	h.cancel()
	h.once.Do(func() {
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return within 10s of cancel")
		}
	})
}

// testWriter sends the bot's logs to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// msg is the part of a message the tests look at.
type msg struct {
	Content         string           `json:"content"`
	Flags           int              `json:"flags"`
	AllowedMentions *json.RawMessage `json:"allowed_mentions"`
	Components      []struct {
		Components []struct {
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
			Disabled bool   `json:"disabled"`
		} `json:"components"`
	} `json:"components"`
	Choices []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"choices"`
}

func decode(t *testing.T, raw json.RawMessage) msg {
	t.Helper()
	var m msg
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return m
}

// checkNoMentions fails unless allowed_mentions is present and allows nothing.
func checkNoMentions(t *testing.T, m msg) {
	t.Helper()
	if m.AllowedMentions == nil {
		t.Fatalf("allowed_mentions missing")
	}
	var am struct {
		Parse       []string `json:"parse"`
		Users       []string `json:"users"`
		Roles       []string `json:"roles"`
		RepliedUser bool     `json:"replied_user"`
	}
	if err := json.Unmarshal(*m.AllowedMentions, &am); err != nil || len(am.Parse)+len(am.Users)+len(am.Roles) > 0 || am.RepliedUser {
		t.Errorf("allowed_mentions not empty: %s", *m.AllowedMentions)
	}
}

func (h *harness) interact(t *testing.T, ctx context.Context, in discordtest.Interaction) (string, discordtest.Response, msg) {
	t.Helper()
	id, err := h.srv.Interact(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.srv.WaitResponse(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var m msg
	if r.Data != nil {
		m = decode(t, r.Data)
	}
	return id, r, m
}

func ask(question string, opts ...discordtest.Option) discordtest.Interaction {
	return discordtest.Command("ask", append([]discordtest.Option{discordtest.String("question", question)}, opts...)...)
}

func button(m msg, label string) string {
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.Label == label {
				return c.CustomID
			}
		}
	}
	return ""
}

func TestBot(t *testing.T) {
	t.Parallel()
	h := start(t, setup{tune: func(b *bot.Bot) { b.DeferAfter = 2 * time.Second }})
	ctx := ctxT(t, 20*time.Second)

	t.Run("commands registered", func(t *testing.T) {
		var cmds []struct {
			Name    string `json:"name"`
			Options []struct {
				Name         string `json:"name"`
				Type         int    `json:"type"`
				Required     bool   `json:"required"`
				Autocomplete bool   `json:"autocomplete"`
				MaxLength    int    `json:"max_length"`
			} `json:"options"`
		}
		raw := h.srv.Commands(discordtest.DefaultGuildID)
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &cmds); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, c := range cmds {
			got[c.Name] = true
			switch c.Name {
			case "ask":
				if len(c.Options) != 2 || c.Options[0].Name != "question" || !c.Options[0].Required ||
					!c.Options[0].Autocomplete || c.Options[0].MaxLength != 1000 ||
					c.Options[1].Name != "hide" || c.Options[1].Type != discordtest.OptionBoolean {
					t.Errorf("ask options: %+v", c.Options)
				}
			case "questions":
				if len(c.Options) != 2 || c.Options[0].Name != "document" || !c.Options[0].Autocomplete ||
					c.Options[1].Name != "hide" || c.Options[1].Type != discordtest.OptionBoolean {
					t.Errorf("questions options: %+v", c.Options)
				}
			case "sources":
				if len(c.Options) != 1 || c.Options[0].Name != "hide" || c.Options[0].Type != discordtest.OptionBoolean {
					t.Errorf("sources options: %+v", c.Options)
				}
			}
		}
		if !got["ask"] || !got["sources"] || !got["questions"] || len(cmds) != 3 {
			t.Errorf("commands: %s", b)
		}
	})

	var answerID string
	var answerMsg msg
	t.Run("ask", func(t *testing.T) {
		id, r, m := h.interact(t, ctx, ask(seedQuestion))
		answerID, answerMsg = id, m
		if r.Type != discordtest.ResponseChannelMessage || r.Latency > 3*time.Second {
			t.Fatalf("response type %d latency %v", r.Type, r.Latency)
		}
		if !strings.Contains(m.Content, "Huawei, ZTE, and Hikvision") || !strings.Contains(m.Content, "#:~:text=") ||
			!strings.Contains(m.Content, "Sascha Hannig") || !strings.Contains(m.Content, "\n> ") || m.Flags&discordtest.FlagEphemeral != 0 {
			t.Errorf("answer: %s", r.Data)
		}
		if chars := len([]rune(m.Content)); chars > 2000 {
			t.Errorf("content %d chars", chars)
		}
		checkNoMentions(t, m)
		if button(m, "Whole answer") == "" {
			t.Errorf("no Whole answer button: %s", r.Data)
		}
	})

	t.Run("hide", func(t *testing.T) {
		_, r, m := h.interact(t, ctx, ask(seedQuestion, discordtest.Bool("hide", true)))
		if r.Type != discordtest.ResponseChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("hidden answer: %d %s", r.Type, r.Data)
		}
		checkNoMentions(t, m)
	})

	t.Run("off topic", func(t *testing.T) {
		id, _, m := h.interact(t, ctx, ask("What is the capital of France?"))
		if !strings.Contains(m.Content, "does not answer") || !strings.Contains(m.Content, "**1.** ") || strings.Contains(m.Content, "> ") {
			t.Errorf("off-topic: %q", m.Content)
		}
		checkNoMentions(t, m)
		// Each suggestion has a button that shows its answer, privately.
		first, _, _ := strings.Cut(strings.TrimPrefix(m.Content[strings.Index(m.Content, "**1.** "):], "**1.** "), "\n")
		b := button(m, "Answer 1")
		if b == "" {
			t.Fatalf("no Answer 1 button: %+v", m.Components)
		}
		_, r, a := h.interact(t, ctx, discordtest.Component(b).On(id))
		if r.Type != discordtest.ResponseChannelMessage || a.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(a.Content, "\n> ") ||
			!strings.Contains(a.Content, first[:40]) {
			t.Errorf("the first suggestion's answer, for %q: %d %s", first, r.Type, r.Data)
		}
		checkNoMentions(t, a)
	})

	t.Run("empty question", func(t *testing.T) {
		_, r, m := h.interact(t, ctx, ask("   "))
		if r.Type != discordtest.ResponseChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(m.Content, "empty") {
			t.Errorf("empty: %d %s", r.Type, r.Data)
		}
		checkNoMentions(t, m)
	})

	t.Run("autocomplete", func(t *testing.T) {
		_, r, m := h.interact(t, ctx, discordtest.Autocomplete("ask", discordtest.Focused(discordtest.String("question", "solar"))))
		if r.Type != discordtest.ResponseAutocompleteResult || len(m.Choices) == 0 || len(m.Choices) > 25 {
			t.Fatalf("autocomplete: %d %s", r.Type, r.Data)
		}
		var recycling, sustainability bool
		for _, c := range m.Choices {
			if len([]rune(c.Name)) > 100 || len([]rune(c.Value)) > 100 {
				t.Errorf("choice too long: %+v", c)
			}
			recycling = recycling || strings.Contains(c.Name, "recommendations")
			sustainability = sustainability || strings.Contains(c.Name, "positive impacts on sustainability")
		}
		if !recycling || !sustainability {
			t.Errorf("solar choices: %+v", m.Choices)
		}
		_, _, m = h.interact(t, ctx, discordtest.Autocomplete("ask", discordtest.Focused(discordtest.String("question", ""))))
		if len(m.Choices) != 6 || !strings.HasPrefix(m.Choices[0].Name, "How do you assess") {
			t.Errorf("empty input choices: %+v", m.Choices)
		}
		_, _, m = h.interact(t, ctx, discordtest.Autocomplete("ask", discordtest.Focused(discordtest.String("question", "ECOLOGICAL civilizacion"))))
		if len(m.Choices) == 0 || !strings.Contains(m.Choices[0].Name, "Ecological Civilization") {
			t.Errorf("case/word match: %+v", m.Choices)
		}
	})

	t.Run("whole answer button", func(t *testing.T) {
		id := button(answerMsg, "Whole answer")
		if id == "" || len(id) > 100 {
			t.Fatalf("button id %q", id)
		}
		_, r, m := h.interact(t, ctx, discordtest.Component(id).On(answerID))
		if r.Type != discordtest.ResponseChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 ||
			!strings.Contains(m.Content, "Huawei, ZTE, and Hikvision") || len([]rune(m.Content)) > 2000 ||
			len(m.Content) <= len(answerMsg.Content) {
			t.Errorf("whole answer: %d %s", r.Type, r.Data)
		}
		checkNoMentions(t, m)
	})

	t.Run("more results button", func(t *testing.T) {
		// "soft power" is answered in more than three places.
		_, _, m := h.interact(t, ctx, ask("soft power"))
		id := button(m, "More results")
		if id == "" {
			t.Fatalf("no More results button: %+v", m)
		}
		if len(id) > 100 {
			t.Fatalf("custom_id %d chars", len(id))
		}
		_, r, m := h.interact(t, ctx, discordtest.Component(id))
		if r.Type != discordtest.ResponseChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(m.Content, "> ") {
			t.Errorf("more results: %d %s", r.Type, r.Data)
		}
		// The button carries the question's terms, so the further sections
		// are quoted for the question (answer.QuoteFor, tested there), not
		// by their opening sentences.
		if _, terms, _ := strings.Cut(id, "|"); !strings.Contains(" "+terms+" ", " soft ") || !strings.Contains(" "+terms+" ", " power ") {
			t.Errorf("More results custom_id without the question's terms: %q", id)
		}
		checkNoMentions(t, m)
	})

	t.Run("sources and questions", func(t *testing.T) {
		_, _, m := h.interact(t, ctx, discordtest.Command("sources"))
		if !strings.Contains(m.Content, "China-Latin America Technological Cooperation") || !strings.Contains(m.Content, "6 questions") {
			t.Errorf("sources: %q", m.Content)
		}
		if m.Flags&discordtest.FlagEphemeral != 0 {
			t.Error("sources without hide is private")
		}
		if _, _, hm := h.interact(t, ctx, discordtest.Command("sources", discordtest.Bool("hide", true))); hm.Flags&discordtest.FlagEphemeral == 0 {
			t.Error("sources with hide is public")
		}
		// A page button (pages when there are many documents): updates.
		if _, r, pm := h.interact(t, ctx, discordtest.Component("s:3")); r.Type != discordtest.ResponseUpdateMessage || pm.Content != m.Content {
			t.Errorf("sources page button: %d %s", r.Type, r.Data)
		}
		checkNoMentions(t, m)
		_, r, m := h.interact(t, ctx, discordtest.Autocomplete("questions", discordtest.Focused(discordtest.String("document", "china"))))
		if r.Type != discordtest.ResponseAutocompleteResult || len(m.Choices) != 1 || m.Choices[0].Value != "spcis-china-latin-america-technology" {
			t.Fatalf("document autocomplete: %s", r.Data)
		}
		_, _, m = h.interact(t, ctx, discordtest.Command("questions", discordtest.String("document", m.Choices[0].Value)))
		if !strings.Contains(m.Content, "1. How do you assess") || !strings.Contains(m.Content, "6. What recommendations") {
			t.Errorf("questions: %q", m.Content)
		}
		checkNoMentions(t, m)
		_, _, m = h.interact(t, ctx, discordtest.Command("questions", discordtest.String("document", "no such thing")))
		if m.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("unknown document not private: %+v", m)
		}
		// A page button: the custom_id carries the document and the page.
		_, r, m = h.interact(t, ctx, discordtest.Component("q:spcis-china-latin-america-technology:0"))
		if r.Type != discordtest.ResponseUpdateMessage || !strings.Contains(m.Content, "questions 1–6 of 6") {
			t.Errorf("page button: %d %s", r.Type, r.Data)
		}
		// On a public list, the asker's click turns it; anyone else's gets
		// the page privately, and the list stays as it was.
		qid, _, _ := h.interact(t, ctx, discordtest.Command("questions", discordtest.String("document", "spcis-china-latin-america-technology")))
		other := discordtest.Member{ID: "1100000000000000301", Username: "other", Permissions: discordtest.DefaultPermissions}
		_, r, m = h.interact(t, ctx, discordtest.Component("q:spcis-china-latin-america-technology:0").On(qid).By(other))
		if r.Type != discordtest.ResponseChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("another member's page click: %d %s", r.Type, r.Data)
		}
		if _, r, _ = h.interact(t, ctx, discordtest.Component("q:spcis-china-latin-america-technology:0").On(qid)); r.Type != discordtest.ResponseUpdateMessage {
			t.Errorf("the asker's page click: %d %s", r.Type, r.Data)
		}
	})

	t.Run("429 on the callback", func(t *testing.T) {
		h.srv.Fail429Next(1, 200*time.Millisecond)
		_, r, m := h.interact(t, ctx, ask(seedQuestion))
		if r.Latency < 200*time.Millisecond || r.Latency > 3*time.Second || !strings.Contains(m.Content, "Hikvision") {
			t.Errorf("after 429: latency %v %s", r.Latency, r.Data)
		}
	})

	t.Run("reconnect", func(t *testing.T) {
		h.srv.Reconnect()
		if err := h.srv.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		_, _, m := h.interact(t, ctx, ask(seedQuestion))
		if !strings.Contains(m.Content, "Hikvision") {
			t.Errorf("after reconnect: %q", m.Content)
		}
	})
}

func TestDeferred(t *testing.T) {
	t.Parallel()
	h := start(t, setup{global: true, tune: func(b *bot.Bot) { b.DeferAfter = 0 }})
	ctx := ctxT(t, 10*time.Second)
	if len(h.srv.Commands("")) != 3 {
		t.Fatalf("global commands: %s", h.srv.Commands(""))
	}
	checkDeferred(t, ctx, h, h.srv)

	// Hidden: the deferral is private.
	id, r, m := h.interact(t, ctx, ask(seedQuestion, discordtest.Bool("hide", true)))
	if r.Type != discordtest.ResponseDeferredChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 {
		t.Errorf("hidden deferral: %d %s", r.Type, r.Data)
	}
	if _, err := h.srv.WaitEdit(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// interactor sends an interaction to a bot, over the gateway or HTTP, and
// returns its first response.
type interactor interface {
	interact(t *testing.T, ctx context.Context, in discordtest.Interaction) (string, discordtest.Response, msg)
}

// checkDeferred checks a bot that defers /ask at once: the seed question
// gets a public deferral, then the answer edited in; and an error after a
// public deferral is replaced by a private follow-up. It returns the id of
// the answered interaction.
func checkDeferred(t *testing.T, ctx context.Context, h interactor, srv *discordtest.Server) string {
	t.Helper()
	id, r, m := h.interact(t, ctx, ask(seedQuestion))
	if r.Type != discordtest.ResponseDeferredChannelMessage || m.Flags&discordtest.FlagEphemeral != 0 {
		t.Fatalf("want a public deferral, got %d %s", r.Type, r.Data)
	}
	edit, err := srv.WaitEdit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	em := decode(t, edit)
	if !strings.Contains(em.Content, "Huawei, ZTE, and Hikvision") {
		t.Errorf("edit: %s", edit)
	}
	checkNoMentions(t, em)

	errID, _, _ := h.interact(t, ctx, ask(""))
	fs, err := srv.WaitFollowups(ctx, errID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fm := decode(t, fs[0]); fm.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(fm.Content, "empty") {
		t.Errorf("error follow-up: %s", fs[0])
	}
	return id
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	h := start(t, setup{tune: func(b *bot.Bot) { b.RateBurst, b.RateEvery = 3, time.Hour }})
	ctx := ctxT(t, 10*time.Second)
	for k := range 3 {
		if _, _, m := h.interact(t, ctx, ask(seedQuestion)); !strings.Contains(m.Content, "Hikvision") {
			t.Fatalf("question %d refused: %q", k+1, m.Content)
		}
	}
	_, _, m := h.interact(t, ctx, ask(seedQuestion))
	if m.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(m.Content, "wait") {
		t.Errorf("4th question: %+v", m)
	}
	// Another member is not limited.
	other := discordtest.Member{ID: "1100000000000000999", Username: "other", Permissions: discordtest.DefaultPermissions}
	if _, _, m := h.interact(t, ctx, ask(seedQuestion).By(other)); !strings.Contains(m.Content, "Hikvision") {
		t.Errorf("other member refused: %q", m.Content)
	}
}

func TestBusy(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	g := gatedAnswerer{ans, make(chan struct{}, 1), make(chan struct{})}
	h := start(t, setup{answerer: g, tune: func(b *bot.Bot) { b.MaxInFlight = 1 }})
	ctx := ctxT(t, 10*time.Second)
	first, err := h.srv.Interact(ctx, ask(seedQuestion))
	if err != nil {
		t.Fatal(err)
	}
	<-g.started // the first has the only answer worker
	// The second waits for a worker a little, then is told the bot is busy.
	_, _, m := h.interact(t, ctx, ask(seedQuestion))
	if m.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(m.Content, "busy") {
		t.Errorf("second while busy: %+v", m)
	}
	close(g.release)
	if r, err := h.srv.WaitResponse(ctx, first); err != nil || !strings.Contains(string(r.Data), "Hikvision") {
		t.Errorf("first: %v %s", err, r.Data)
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	h := start(t, setup{answerer: slowAnswerer{ans, 1500 * time.Millisecond}, tune: func(b *bot.Bot) { b.DeferAfter = 100 * time.Millisecond }})
	ctx := ctxT(t, 15*time.Second)
	id, r, _ := h.interact(t, ctx, ask(seedQuestion))
	if r.Type != discordtest.ResponseDeferredChannelMessage {
		t.Fatalf("response %d, want a deferral", r.Type)
	}
	stopped := time.Now()
	h.stop(t) // the answer is still being computed
	t.Logf("Run returned %v after cancel", time.Since(stopped).Round(time.Millisecond))
	edit, err := h.srv.WaitEdit(ctxT(t, 3*time.Second), id)
	if err != nil || !strings.Contains(string(edit), "Hikvision") {
		t.Errorf("in-flight answer not finished: %v %s", err, edit)
	}
}

func TestNewNeedsConfig(t *testing.T) {
	ans, set := library(t)
	if _, err := bot.New(config.Config{AppID: "1"}, ans, set, nil); err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
		t.Errorf("no token: %v", err)
	}
	_, err := config.Load(func(k string) string {
		return map[string]string{"DISCORD_APP_ID": "1100000000000000001"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
		t.Errorf("missing DISCORD_TOKEN: %v", err)
	}
}

func TestButtonsSurviveRestart(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	ctx := ctxT(t, 10*time.Second)
	// Ids as an earlier process wrote them: no state but the custom_id.
	for _, id := range []string{"w:spcis-china-latin-america-technology:1", "m:spcis-china-latin-america-technology:0,6"} {
		_, r, m := h.interact(t, ctx, discordtest.Component(id))
		if r.Type != discordtest.ResponseChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(m.Content, "> ") {
			t.Errorf("%s: %d %s", id, r.Type, r.Data)
		}
	}
	// A whole answer's part button updates the message it is on.
	_, r, m := h.interact(t, ctx, discordtest.Component("w:spcis-china-latin-america-technology:2:0"))
	if r.Type != discordtest.ResponseUpdateMessage || !strings.Contains(m.Content, "> ") {
		t.Errorf("part button: %d %s", r.Type, r.Data)
	}
	_, _, m = h.interact(t, ctx, discordtest.Component("w:no-such-doc:1"))
	if m.Flags&discordtest.FlagEphemeral == 0 {
		t.Errorf("stale button: %+v", m)
	}
}

// quoteRecorder records the terms the bot asks sections to be quoted for.
type quoteRecorder struct {
	bot.Answerer
	mu    sync.Mutex
	terms [][]string
}

func (q *quoteRecorder) QuoteFor(d *document.Document, section int, terms []string, maxChars int) (answer.Hit, bool) {
	q.mu.Lock()
	q.terms = append(q.terms, terms)
	q.mu.Unlock()
	return q.Answerer.QuoteFor(d, section, terms, maxChars)
}

// TestMoreResultsQuotedForTheQuestion clicks "More results" and checks
// each further section is quoted for the question's terms, carried in
// the button, not by its opening.
func TestMoreResultsQuotedForTheQuestion(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	rec := &quoteRecorder{Answerer: ans}
	h := start(t, setup{answerer: rec})
	ctx := ctxT(t, 10*time.Second)
	_, _, m := h.interact(t, ctx, ask("soft power"))
	id := button(m, "More results")
	if id == "" {
		t.Fatalf("no More results button: %+v", m)
	}
	_, _, more := h.interact(t, ctx, discordtest.Component(id))
	if !strings.Contains(more.Content, "> ") {
		t.Fatalf("more results: %s", more.Content)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.terms) == 0 {
		t.Fatal("no section quoted through QuoteFor")
	}
	for _, terms := range rec.terms {
		if !slices.Contains(terms, "soft") || !slices.Contains(terms, "power") {
			t.Errorf("a further section quoted for %q, not the question's terms", terms)
		}
	}
}

// panickingQuoter panics when the bot quotes a section again to fit a
// message, which it does on the interaction's own goroutine.
type panickingQuoter struct{ bot.Answerer }

func (panickingQuoter) QuoteFor(*document.Document, int, []string, int) (answer.Hit, bool) {
	panic("quoting failed")
}

// TestPanicAnswered: a handler that panics still answers, privately, with
// the internal-error text: as its response, or in place of its deferral;
// the bot goes on answering.
func TestPanicAnswered(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	for _, deferFirst := range []bool{false, true} {
		h := start(t, setup{answerer: panickingQuoter{ans}, tune: func(b *bot.Bot) {
			if deferFirst {
				b.DeferAfter = -1 // defer every /ask
			}
		}})
		ctx := ctxT(t, 10*time.Second)
		// Three long answers for this one: one is cut to fit, so quoted again.
		id, r, m := h.interact(t, ctx, ask("sustainability companies ecological transition"))
		if deferFirst {
			if r.Type != discordtest.ResponseDeferredChannelMessage {
				t.Fatalf("not deferred: %d", r.Type)
			}
			fs, err := h.srv.WaitFollowups(ctx, id, 1)
			if err != nil {
				t.Fatal(err)
			}
			m = decode(t, fs[0])
			if orig, ok := h.srv.Original(id); ok {
				t.Errorf("the deferral stays after the panic: %s", orig)
			}
		}
		if !strings.Contains(m.Content, "internal error") || m.Flags&discordtest.FlagEphemeral == 0 {
			t.Errorf("deferred %v: after a panic the user got %+v", deferFirst, m)
		}
		checkNoMentions(t, m)
		id, r, m = h.interact(t, ctx, ask("Hikvision"))
		if r.Type == discordtest.ResponseDeferredChannelMessage {
			edit, err := h.srv.WaitEdit(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			m = decode(t, edit)
		}
		if !strings.Contains(m.Content, "Hikvision") {
			t.Errorf("deferred %v: no answer after the panic: %q", deferFirst, m.Content)
		}
	}
}
