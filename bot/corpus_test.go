package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/bot"
	"github.com/verbatimbot/verbatim/internal/config"
	"github.com/verbatimbot/verbatim/internal/discordtest"
	lib "github.com/verbatimbot/verbatim/internal/library"
)

const (
	guildB       = "1100000000000000500"
	channelB     = "1100000000000000501"
	modRole      = "1100000000000000777"
	lighthouseQ  = "Why are lighthouse towers painted in stripes?"
	lighthouseA  = "so that sailors can tell one tower from the next by day"
	textInternal = "internal error"
)

// lighthouse is a small interview no seed answers.
var lighthouse = []byte(`An interview with Marta Ruiz, keeper of the Cabo Mayor lighthouse, recorded in May.

Tomás Vidal: Why are the lighthouse towers painted in stripes?

Marta Ruiz: The stripes are a day mark: each tower has its own pattern, so that sailors can tell one tower from the next by day. At night the light's rhythm does the same job.

Tomás Vidal: How often is the lamp cleaned?

Marta Ruiz: Every morning, before anything else. Salt dulls the lens within a day.

Tomás Vidal: What do you do during a storm?

Marta Ruiz: I stay awake and watch the light. A storm is when a lighthouse matters most.
`)

var (
	moderator = discordtest.Member{ID: "1100000000000000301", Username: "mod",
		Permissions: discordtest.DefaultPermissions | discordtest.PermManageGuild}
	administrator = discordtest.Member{ID: "1100000000000000302", Username: "admin",
		Permissions: discordtest.DefaultPermissions | discordtest.PermAdministrator}
	roleModerator = discordtest.Member{ID: "1100000000000000303", Username: "rolemod",
		Permissions: discordtest.DefaultPermissions, Roles: []string{"1100000000000000778", modRole}}
	member = discordtest.DefaultMember
)

// startCurated runs a bot with /corpus over a real library in memory, its
// commands registered globally so that they can be used in two guilds.
func startCurated(t *testing.T, tune ...func(*bot.Bot)) (*harness, *lib.Library) {
	t.Helper()
	l, err := lib.Open("", lib.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := discordtest.New(t, discordtest.Options{})
	cfg := config.Config{Token: srv.Options().Token, AppID: srv.Options().AppID, BaseURL: srv.URL(),
		DataDir: t.TempDir(), ModeratorRoles: []string{modRole}}
	registered := make(chan struct{})
	logs := &watchWriter{w: testWriter{t}, line: "commands registered", seen: registered}
	b, err := bot.New(cfg, l.Answerer(), l.Corpus(), slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	b.RateBurst = 1000
	b.Curator = l
	for _, f := range tune {
		f(b)
	}
	h := run(t, b, srv)
	// Run has registered the commands when it says so (the stand-in has
	// them a moment before Run has read the answer).
	select {
	case <-registered:
	case <-time.After(15 * time.Second):
		t.Fatal("commands not registered within 15s")
	}
	return h, l
}

// watchWriter closes seen the first time a line containing line is written.
type watchWriter struct {
	w    io.Writer
	line string
	once sync.Once
	seen chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(w.line)) {
		w.once.Do(func() { close(w.seen) })
	}
	return w.w.Write(p)
}

func corpusCmd(sub string, opts ...discordtest.Option) discordtest.Interaction {
	return discordtest.Command("corpus", discordtest.Subcommand(sub, opts...))
}

// reply is what the bot finally said to an interaction: the response, and
// the message after the edit when the response was a deferral (of a new
// message or of a button's message update).
type reply struct {
	id       string
	typ      int
	private  bool
	deferred bool
	msg      msg
}

func (h *harness) reply(t *testing.T, ctx context.Context, in discordtest.Interaction) reply {
	t.Helper()
	id, r, m := h.interact(t, ctx, in)
	out := reply{id: id, typ: r.Type, private: m.Flags&discordtest.FlagEphemeral != 0, msg: m}
	checkNoMentions(t, m)
	if r.Type == discordtest.ResponseDeferredChannelMessage || r.Type == discordtest.ResponseDeferredUpdateMessage {
		out.deferred = true
		edit, err := h.srv.WaitEdit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out.msg = decode(t, edit)
		checkNoMentions(t, out.msg)
	}
	if n := len([]rune(out.msg.Content)); n > 2000 {
		t.Errorf("content %d chars", n)
	}
	return out
}

// add attaches data to /corpus add made by who in guild (with its
// channel), and returns the final reply.
func (h *harness) add(t *testing.T, ctx context.Context, who discordtest.Member, name string, data []byte, opts ...discordtest.Option) reply {
	t.Helper()
	a := h.srv.AddAttachment(name, data)
	return h.reply(t, ctx, corpusCmd("add", append([]discordtest.Option{discordtest.AttachmentOption("file", a)}, opts...)...).By(who))
}

// addToRemove has a moderator add the lighthouse interview and then ask to
// remove it; it returns the confirmation and its Remove button's id.
func (h *harness) addToRemove(t *testing.T, ctx context.Context, l *lib.Library) (reply, string) {
	t.Helper()
	if r := h.add(t, ctx, moderator, "lighthouse.txt", lighthouse); !strings.Contains(r.msg.Content, "Added") {
		t.Fatalf("add: %+v", r)
	}
	r := h.reply(t, ctx, corpusCmd("remove", discordtest.String("id", own(l, discordtest.DefaultGuildID)[0])).By(moderator))
	confirm := button(r.msg, "Remove")
	if confirm == "" {
		t.Fatalf("confirmation: %+v", r)
	}
	return r, confirm
}

// own is the ids of the documents guild added.
func own(l *lib.Library, guild string) []string {
	var ids []string
	for _, e := range l.List(guild) {
		if !e.Seed {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

func TestCorpusCommandRegistered(t *testing.T) {
	t.Parallel()
	h, _ := startCurated(t)
	var found bool
	for _, raw := range h.srv.Commands("") {
		var c struct {
			Name                     string  `json:"name"`
			DefaultMemberPermissions *string `json:"default_member_permissions"`
			DMPermission             *bool   `json:"dm_permission"`
			Contexts                 []int   `json:"contexts"`
			Options                  []struct {
				Name    string `json:"name"`
				Type    int    `json:"type"`
				Options []struct {
					Name     string `json:"name"`
					Type     int    `json:"type"`
					Required bool   `json:"required"`
					Choices  []struct {
						Value string `json:"value"`
					} `json:"choices"`
				} `json:"options"`
			} `json:"options"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		if c.Name != "corpus" {
			continue
		}
		found = true
		if c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != "32" {
			t.Errorf("default_member_permissions: %s", raw)
		}
		if c.DMPermission == nil || *c.DMPermission || len(c.Contexts) != 1 || c.Contexts[0] != 0 {
			t.Errorf("usable outside guilds: %s", raw)
		}
		var subs []string
		for _, s := range c.Options {
			if s.Type != discordtest.OptionSubcommand {
				t.Errorf("option %s is not a subcommand", s.Name)
			}
			subs = append(subs, s.Name)
			if s.Name == "add" {
				if len(s.Options) != 6 || s.Options[5].Name != "interviewee" || s.Options[0].Name != "file" || s.Options[0].Type != discordtest.OptionAttachment || !s.Options[0].Required {
					t.Errorf("add options: %s", raw)
				}
				var formats []string
				for _, ch := range s.Options[3].Choices {
					formats = append(formats, ch.Value)
				}
				if strings.Join(formats, ",") != "transcript,markdown,jsonl,csv" {
					t.Errorf("formats %v", formats)
				}
			}
		}
		if strings.Join(subs, ",") != "add,list,show,remove" {
			t.Errorf("subcommands %v", subs)
		}
	}
	if !found {
		t.Fatalf("no /corpus among %s", h.srv.Commands(""))
	}
}

func TestCorpusAddAskRemove(t *testing.T) {
	t.Parallel()
	h, l := startCurated(t)
	ctx := ctxT(t, 30*time.Second)
	inB := func(in discordtest.Interaction) discordtest.Interaction { return in.In(guildB, channelB) }

	var id string
	t.Run("add by attachment, then ask in the same guild", func(t *testing.T) {
		r := h.add(t, ctx, moderator, "lighthouse.txt", lighthouse, discordtest.String("title", "The Cabo Mayor lighthouse"))
		added := time.Now()
		if !r.deferred || !r.private {
			t.Errorf("add: deferred %v private %v", r.deferred, r.private)
		}
		c := r.msg.Content
		t.Logf("add reply:\n%s", c)
		ids := own(l, discordtest.DefaultGuildID)
		if len(ids) != 1 {
			t.Fatalf("stored %v; reply %q", ids, c)
		}
		id = ids[0]
		for _, want := range []string{"The Cabo Mayor lighthouse", id, "Marta Ruiz", "Questions: 3",
			"Why are the lighthouse towers painted in stripes?", "answered in this server now"} {
			if !strings.Contains(c, want) {
				t.Errorf("add reply lacks %q: %q", want, c)
			}
		}
		_, ar, m := h.interact(t, ctx, ask(lighthouseQ))
		t.Logf("from the add reply to the answered /ask: %v (callback latency %v)", time.Since(added).Round(time.Millisecond), ar.Latency)
		if !strings.Contains(m.Content, lighthouseA) || !strings.Contains(m.Content, "The Cabo Mayor lighthouse") {
			t.Errorf("ask in A: %q", m.Content)
		}
	})
	if id == "" {
		t.FailNow()
	}

	t.Run("only in its own guild", func(t *testing.T) {
		_, _, m := h.interact(t, ctx, inB(ask(lighthouseQ)))
		if strings.Contains(m.Content, lighthouseA) || strings.Contains(m.Content, "lighthouse") {
			t.Errorf("answered in B: %q", m.Content)
		}
		_, _, m = h.interact(t, ctx, discordtest.Command("sources"))
		if !strings.Contains(m.Content, "The Cabo Mayor lighthouse") {
			t.Errorf("A's sources: %q", m.Content)
		}
		_, _, m = h.interact(t, ctx, inB(discordtest.Command("sources")))
		if strings.Contains(m.Content, "lighthouse") || !strings.Contains(m.Content, "China-Latin America") {
			t.Errorf("B's sources: %q", m.Content)
		}
		_, _, m = h.interact(t, ctx, inB(discordtest.Autocomplete("ask", discordtest.Focused(discordtest.String("question", "lighthouse")))))
		if strings.Contains(string(mustJSON(m.Choices)), "lighthouse") {
			t.Errorf("B's suggestions: %+v", m.Choices)
		}
		r := h.reply(t, ctx, inB(corpusCmd("list")).By(moderator))
		if strings.Contains(r.msg.Content, id) {
			t.Errorf("B's list: %q", r.msg.Content)
		}
	})

	t.Run("duplicate", func(t *testing.T) {
		r := h.add(t, ctx, moderator, "again.txt", lighthouse)
		if !r.private || !strings.Contains(r.msg.Content, "already") || strings.Contains(r.msg.Content, textInternal) {
			t.Errorf("duplicate: %+v", r)
		}
		if n := len(own(l, discordtest.DefaultGuildID)); n != 1 {
			t.Errorf("%d documents after a duplicate", n)
		}
	})

	t.Run("list and show", func(t *testing.T) {
		r := h.reply(t, ctx, corpusCmd("list").By(moderator))
		c := r.msg.Content
		t.Logf("list:\n%s", c)
		if !r.private || !strings.Contains(c, id) || !strings.Contains(c, "3 questions") ||
			!strings.Contains(c, "spcis-china-latin-america-technology") || !strings.Contains(c, "shipped") {
			t.Errorf("list: %+v", r)
		}
		// Its page buttons are a moderator's only.
		if pr := h.reply(t, ctx, discordtest.Component("c:ls:1").On(r.id).By(moderator)); pr.typ != discordtest.ResponseUpdateMessage || pr.msg.Content != c {
			t.Errorf("list page button: %+v", pr)
		}
		if pr := h.reply(t, ctx, discordtest.Component("c:ls:1").On(r.id)); pr.typ == discordtest.ResponseUpdateMessage || strings.Contains(pr.msg.Content, id) {
			t.Errorf("list page button of a member: %+v", pr)
		}
		r = h.reply(t, ctx, corpusCmd("show", discordtest.String("id", id)).By(moderator))
		c = r.msg.Content
		t.Logf("show:\n%s", c)
		if !r.private || !strings.Contains(c, "The Cabo Mayor lighthouse") || !strings.Contains(c, "Marta Ruiz") ||
			!strings.Contains(c, "Questions: 3") || !strings.Contains(c, "painted in stripes") {
			t.Errorf("show: %+v", r)
		}
		r = h.reply(t, ctx, inB(corpusCmd("show", discordtest.String("id", id))).By(moderator))
		if !r.private || strings.Contains(r.msg.Content, "Marta") || !strings.Contains(r.msg.Content, "/corpus list") {
			t.Errorf("show from B: %+v", r)
		}
		_, ar, m := h.interact(t, ctx, discordtest.Autocomplete("corpus",
			discordtest.Subcommand("remove", discordtest.Focused(discordtest.String("id", "light")))).By(moderator))
		if ar.Type != discordtest.ResponseAutocompleteResult || len(m.Choices) != 1 || m.Choices[0].Value != id {
			t.Errorf("remove autocomplete: %s", ar.Data)
		}
		_, _, m = h.interact(t, ctx, discordtest.Autocomplete("corpus",
			discordtest.Subcommand("remove", discordtest.Focused(discordtest.String("id", "")))).By(moderator))
		if len(m.Choices) != 1 {
			t.Errorf("remove offers a seed: %+v", m.Choices)
		}
		_, _, m = h.interact(t, ctx, discordtest.Autocomplete("corpus",
			discordtest.Subcommand("show", discordtest.Focused(discordtest.String("id", "")))).By(moderator))
		if len(m.Choices) != 2 {
			t.Errorf("show choices: %+v", m.Choices)
		}
	})

	t.Run("remove, cancelled", func(t *testing.T) {
		r := h.reply(t, ctx, corpusCmd("remove", discordtest.String("id", id)).By(moderator))
		if r.typ != discordtest.ResponseChannelMessage || !r.private || !strings.Contains(r.msg.Content, "The Cabo Mayor lighthouse") {
			t.Fatalf("confirmation: %+v", r)
		}
		cancel := button(r.msg, "Cancel")
		if cancel == "" || button(r.msg, "Remove") == "" {
			t.Fatalf("buttons: %+v", r.msg.Components)
		}
		c := h.reply(t, ctx, discordtest.Component(cancel).On(r.id).By(moderator))
		if c.typ != discordtest.ResponseUpdateMessage || !strings.Contains(c.msg.Content, "nothing was removed") || len(c.msg.Components) != 0 {
			t.Errorf("cancel: %+v", c)
		}
		if raw, ok := h.srv.Original(r.id); !ok {
			t.Errorf("confirmation gone")
		} else if o := decode(t, raw); o.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(o.Content, "nothing was removed") || len(o.Components) != 0 {
			t.Errorf("confirmation after cancel: %s", raw)
		}
		if len(own(l, discordtest.DefaultGuildID)) != 1 {
			t.Errorf("cancel removed the document")
		}
	})

	t.Run("remove, refused", func(t *testing.T) {
		r := h.reply(t, ctx, corpusCmd("remove", discordtest.String("id", id)).By(moderator))
		confirm := button(r.msg, "Remove")
		if confirm == "" || len(confirm) > 100 {
			t.Fatalf("confirm id %q", confirm)
		}
		// A member who is not a moderator clicks it (a crafted interaction).
		c := h.reply(t, ctx, discordtest.Component(confirm).On(r.id).By(member))
		if c.typ != discordtest.ResponseChannelMessage || !c.private || !strings.Contains(c.msg.Content, "Only moderators") {
			t.Errorf("non-moderator confirm: %+v", c)
		}
		// A moderator of another guild.
		c = h.reply(t, ctx, inB(discordtest.Component(confirm)).By(moderator))
		if c.typ != discordtest.ResponseDeferredUpdateMessage || strings.Contains(c.msg.Content, "Removed") || !strings.Contains(c.msg.Content, "/corpus list") {
			t.Errorf("confirm from B: %+v", c)
		}
		c = h.reply(t, ctx, inB(corpusCmd("remove", discordtest.String("id", id))).By(moderator))
		if !c.private || button(c.msg, "Remove") != "" {
			t.Errorf("remove from B: %+v", c)
		}
		if len(own(l, discordtest.DefaultGuildID)) != 1 {
			t.Fatalf("the document was removed")
		}
		// The seed cannot be removed, whoever asks, however.
		c = h.reply(t, ctx, corpusCmd("remove", discordtest.String("id", "spcis-china-latin-america-technology")).By(administrator))
		if !c.private || button(c.msg, "Remove") != "" || !strings.Contains(c.msg.Content, "cannot be removed") {
			t.Errorf("remove seed: %+v", c)
		}
		c = h.reply(t, ctx, discordtest.Component("c:rm:spcis-china-latin-america-technology").By(administrator))
		if !strings.Contains(c.msg.Content, "cannot be removed") {
			t.Errorf("confirm seed: %+v", c)
		}
		if _, _, m := h.interact(t, ctx, ask(seedQuestion)); !strings.Contains(m.Content, "Hikvision") {
			t.Errorf("seed gone: %q", m.Content)
		}
	})

	t.Run("remove, confirmed after a restart", func(t *testing.T) {
		// No state but the custom_id: a button from an earlier process works.
		c := h.reply(t, ctx, discordtest.Component("c:rm:"+id).By(roleModerator))
		if c.typ != discordtest.ResponseDeferredUpdateMessage || !strings.Contains(c.msg.Content, "Removed") || len(c.msg.Components) != 0 {
			t.Errorf("confirm: %+v", c)
		}
		if ids := own(l, discordtest.DefaultGuildID); len(ids) != 0 {
			t.Errorf("still stored: %v", ids)
		}
		if _, _, m := h.interact(t, ctx, ask(lighthouseQ)); strings.Contains(m.Content, lighthouseA) {
			t.Errorf("answered after removal: %q", m.Content)
		}
		c = h.reply(t, ctx, discordtest.Component("c:rm:"+id).By(roleModerator))
		if c.typ != discordtest.ResponseDeferredUpdateMessage || strings.Contains(c.msg.Content, "Removed") || !strings.Contains(c.msg.Content, "/corpus list") {
			t.Errorf("second confirm: %+v", c)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestCorpusPermissions(t *testing.T) {
	t.Parallel()
	h, l := startCurated(t)
	ctx := ctxT(t, 30*time.Second)

	t.Run("member refused, nothing stored", func(t *testing.T) {
		for _, in := range []discordtest.Interaction{
			corpusCmd("add", discordtest.AttachmentOption("file", h.srv.AddAttachment("l.txt", lighthouse))),
			corpusCmd("list"),
			corpusCmd("show", discordtest.String("id", "spcis-china-latin-america-technology")),
			corpusCmd("remove", discordtest.String("id", "spcis-china-latin-america-technology")),
		} {
			r := h.reply(t, ctx, in.By(member))
			if r.typ != discordtest.ResponseChannelMessage || !r.private || !strings.Contains(r.msg.Content, "Only moderators") {
				t.Errorf("%s: %+v", in.Options[0].Name, r)
			}
		}
		// Moderating permissions in another channel do not count: Discord
		// computes them per channel, and a role that is not configured neither.
		other := discordtest.Member{ID: "1100000000000000304", Username: "x", Permissions: discordtest.DefaultPermissions,
			Roles: []string{discordtest.DefaultModeratorRoleID}}
		r := h.add(t, ctx, other, "l.txt", lighthouse)
		if !r.private || !strings.Contains(r.msg.Content, "Only moderators") {
			t.Errorf("unconfigured role: %+v", r)
		}
		_, ar, m := h.interact(t, ctx, discordtest.Autocomplete("corpus",
			discordtest.Subcommand("show", discordtest.Focused(discordtest.String("id", "")))).By(member))
		if ar.Type != discordtest.ResponseAutocompleteResult || len(m.Choices) != 0 {
			t.Errorf("autocomplete for a member: %s", ar.Data)
		}
		r = h.reply(t, ctx, discordtest.Component("c:no").By(member))
		if r.typ != discordtest.ResponseChannelMessage || !r.private || !strings.Contains(r.msg.Content, "Only moderators") {
			t.Errorf("cancel by a member: %+v", r)
		}
		r = h.reply(t, ctx, corpusCmd("list").InDM())
		if !r.private || !strings.Contains(r.msg.Content, "in a server") {
			t.Errorf("in a DM: %+v", r)
		}
		if ids := own(l, discordtest.DefaultGuildID); len(ids) != 0 {
			t.Errorf("stored: %v", ids)
		}
	})

	t.Run("moderator role allowed", func(t *testing.T) {
		r := h.add(t, ctx, roleModerator, "faq.csv", []byte("question,answer\nWhen is the museum open?,From nine to five every day but Monday.\nIs entry free?,Entry is free on Sundays.\n"))
		if !r.private || !strings.Contains(r.msg.Content, "Added") || !strings.Contains(r.msg.Content, "Questions: 2") {
			t.Errorf("role moderator: %+v", r)
		}
	})

	t.Run("administrator allowed", func(t *testing.T) {
		r := h.add(t, ctx, administrator, "lighthouse.md", lighthouse, discordtest.String("format", "transcript"))
		if !r.private || !strings.Contains(r.msg.Content, "Added") || !strings.Contains(r.msg.Content, "Questions: 3") {
			t.Errorf("administrator: %+v", r)
		}
		if ids := own(l, discordtest.DefaultGuildID); len(ids) != 2 {
			t.Errorf("stored: %v", ids)
		}
	})
}

func TestCorpusBadFiles(t *testing.T) {
	t.Parallel()
	h, l := startCurated(t)
	ctx := ctxT(t, 30*time.Second)

	var foreignHits atomic.Int32
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		w.Write(lighthouse)
	}))
	t.Cleanup(foreign.Close)

	t.Run("attachment URL not on Discord", func(t *testing.T) {
		std := h.srv.AddAttachment("l.txt", lighthouse)
		for _, u := range []string{
			foreign.URL + "/l.txt",                                    // another host (and port)
			strings.Replace(std.URL, "http://", "https://", 1),        // the stand-in, another scheme
			strings.Replace(std.URL, "http://", "http://user:pw@", 1), // userinfo
			"http://cdn.discordapp.com/attachments/1/2/l.txt",         // Discord's host without TLS
			"https://cdn.discordapp.com:8443/attachments/1/2/l.txt",   // another port
			"https://cdn.discordapp.com.example.net/attachments/1/2/l.txt",
			"file:///etc/passwd",
		} {
			a := discordtest.Attachment{ID: "1100000000000000901", Filename: "l.txt", Size: len(lighthouse), URL: u}
			r := h.reply(t, ctx, corpusCmd("add", discordtest.AttachmentOption("file", a)).By(moderator))
			if r.typ != discordtest.ResponseChannelMessage || !r.private || !strings.Contains(r.msg.Content, "only download attachments from Discord") {
				t.Errorf("%s: %+v", u, r)
			}
		}
		if n := foreignHits.Load(); n != 0 {
			t.Errorf("the foreign host got %d requests", n)
		}
	})

	t.Run("oversized", func(t *testing.T) {
		big := bytes.Repeat([]byte("Q: Why?\n\nA: Because.\n\n"), lib.MaxUploadBytes/20)
		r := h.add(t, ctx, moderator, "big.txt", big)
		if r.typ != discordtest.ResponseChannelMessage || !r.private || !strings.Contains(r.msg.Content, "too large") {
			t.Errorf("declared oversized: %+v", r)
		}
		// The declared size lies: the download stops at the limit.
		a := h.srv.AddAttachment("big.txt", big)
		a.Size = 100
		r = h.reply(t, ctx, corpusCmd("add", discordtest.AttachmentOption("file", a)).By(moderator))
		if !r.private || !strings.Contains(r.msg.Content, "too large") {
			t.Errorf("oversized body: %+v", r)
		}
	})

	t.Run("not a transcript", func(t *testing.T) {
		for _, f := range []struct {
			name, want string
			data       []byte
		}{
			{"photo.bin", "binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")},
			{"empty.txt", "empty", nil},
			{"page.html", "HTML", []byte("<!DOCTYPE html><html><body><p>Interviewer: hi</p></body></html>")},
		} {
			r := h.add(t, ctx, moderator, f.name, f.data)
			t.Logf("%s: %q", f.name, r.msg.Content)
			if !r.private || !strings.Contains(r.msg.Content, f.want) || strings.Contains(r.msg.Content, textInternal) {
				t.Errorf("%s: %+v", f.name, r)
			}
		}
	})
	if ids := own(l, discordtest.DefaultGuildID); len(ids) != 0 {
		t.Errorf("stored: %v", ids)
	}
}

// TestCorpusAddAtShutdown: the bot is stopped while an upload's download
// hangs. Before the shutdown's wait ends, the upload is stopped and its
// moderator told the file was not added (instead of no answer at all);
// nothing is stored, and the bot stops within the wait.
func TestCorpusAddAtShutdown(t *testing.T) {
	t.Parallel()
	h, l := startCurated(t, func(b *bot.Bot) { b.ShutdownTimeout = 2500 * time.Millisecond })
	ctx := ctxT(t, 30*time.Second)
	release := make(chan struct{})
	defer close(release)
	a := h.srv.AddSlowAttachment("l.txt", lighthouse, release)
	id, r, _ := h.interact(t, ctx, corpusCmd("add", discordtest.AttachmentOption("file", a)).By(moderator))
	if r.Type != discordtest.ResponseDeferredChannelMessage {
		t.Fatalf("upload not deferred: %d %s", r.Type, r.Data)
	}
	start := time.Now()
	h.cancel() // SIGTERM, as serve turns it into
	edit, err := h.srv.WaitEdit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m := decode(t, edit); !strings.Contains(m.Content, "restarting") || !strings.Contains(m.Content, "not added") {
		t.Errorf("moderator told %q", m.Content)
	}
	h.stop(t)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown took %v with a 2.5 s wait", took)
	}
	if ids := own(l, h.srv.Options().GuildID); len(ids) != 0 {
		t.Errorf("documents stored by a stopped upload: %v", ids)
	}
}

// TestCorpusAddBusy: with both upload slots held by slow downloads, a third
// file waits its second, then its moderator is told, privately, to send it
// again; the two slow ones are added once their downloads end.
func TestCorpusAddBusy(t *testing.T) {
	t.Parallel()
	h, l := startCurated(t)
	ctx := ctxT(t, 30*time.Second)
	release := make(chan struct{})
	var ids []string
	for i := range 2 {
		a := h.srv.AddSlowAttachment(fmt.Sprintf("l%d.txt", i), append([]byte(fmt.Sprintf("Title: Lighthouse %d\n\n", i)), lighthouse...), release)
		id, r, _ := h.interact(t, ctx, corpusCmd("add", discordtest.AttachmentOption("file", a)).By(moderator))
		if r.Type != discordtest.ResponseDeferredChannelMessage {
			t.Fatalf("slow upload %d not deferred: %d %s", i, r.Type, r.Data)
		}
		ids = append(ids, id)
	}
	third := h.add(t, ctx, moderator, "l.txt", lighthouse)
	if !third.private || !strings.Contains(third.msg.Content, "busy reading other files") {
		t.Errorf("third upload while two download: %+v", third)
	}
	close(release)
	for _, id := range ids {
		edit, err := h.srv.WaitEdit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m := decode(t, edit); !strings.Contains(m.Content, "Added") {
			t.Errorf("slow upload's reply: %q", m.Content)
		}
	}
	if got := own(l, h.srv.Options().GuildID); len(got) != 2 {
		t.Errorf("documents stored: %v, want the two slow ones", got)
	}
}

// blockedRemover is a library whose Remove waits for release, as one
// waiting for the store's lock does.
type blockedRemover struct {
	*lib.Library
	entered chan struct{}
	release chan struct{}
}

func (c blockedRemover) Remove(ctx context.Context, id, server string) (lib.Entry, error) {
	close(c.entered)
	select {
	case <-c.release:
	case <-ctx.Done():
		return lib.Entry{}, ctx.Err()
	}
	return c.Library.Remove(ctx, id, server)
}

// TestCorpusRemoveSlow: a confirmed removal that takes long is acknowledged
// (a deferred update) before it ends, so within Discord's 3 s whatever the
// store does; the confirmation then says it was removed.
func TestCorpusRemoveSlow(t *testing.T) {
	t.Parallel()
	c := blockedRemover{entered: make(chan struct{}), release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(c.release) })
	h, l := startCurated(t, func(b *bot.Bot) {
		c.Library = b.Curator.(*lib.Library)
		b.Curator = c
	})
	t.Cleanup(release) // before the bot's shutdown, which waits for the removal
	ctx := ctxT(t, 30*time.Second)
	r, confirm := h.addToRemove(t, ctx, l)
	id, err := h.srv.Interact(ctx, discordtest.Component(confirm).On(r.id).By(moderator))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.entered:
	case <-ctx.Done():
		t.Fatal("Remove not called")
	}
	// Removing before answering would leave this waiting until release.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := h.srv.WaitResponse(wctx, id)
	if err != nil {
		t.Fatalf("no response while Remove waits: %v", err)
	}
	if resp.Type != discordtest.ResponseDeferredUpdateMessage {
		t.Errorf("response type %d, want a deferred update", resp.Type)
	}
	checkNoMentions(t, decode(t, resp.Data))
	if len(own(l, discordtest.DefaultGuildID)) != 1 {
		t.Fatalf("removed before the response")
	}
	release()
	edit, err := h.srv.WaitEdit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, edit)
	checkNoMentions(t, m)
	if !strings.Contains(m.Content, "Removed") || len(m.Components) != 0 {
		t.Errorf("after removal: %s", edit)
	}
	if raw, ok := h.srv.Original(r.id); !ok {
		t.Errorf("confirmation gone")
	} else if o := decode(t, raw); o.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(o.Content, "Removed") || len(o.Components) != 0 {
		t.Errorf("confirmation after removal: %s", raw)
	}
	if ids := own(l, discordtest.DefaultGuildID); len(ids) != 0 {
		t.Errorf("still stored: %v", ids)
	}
}

var errIndex = errors.New("index: no space left on device")

// unindexed is a library whose index update fails after every change, as
// *library.Library reports it: the entry, and an error.
type unindexed struct{ *lib.Library }

func (c unindexed) Add(ctx context.Context, u lib.Upload) (lib.Entry, error) {
	e, err := c.Library.Add(ctx, u)
	if err != nil {
		return e, err
	}
	return e, fmt.Errorf("document %s is stored but not yet searchable: %w", e.ID, errIndex)
}

func (c unindexed) Remove(ctx context.Context, id, server string) (lib.Entry, error) {
	e, err := c.Library.Remove(ctx, id, server)
	if err != nil {
		return e, err
	}
	return e, fmt.Errorf("document %s is removed but still in the index: %w", id, errIndex)
}

// TestCorpusIndexPending: a document stored (or removed) whose index update
// failed is reported as added (or removed), answered (or not) within
// seconds, not as an internal error; the error is still logged.
func TestCorpusIndexPending(t *testing.T) {
	t.Parallel()
	k := newKinds()
	h, l := startCurated(t, func(b *bot.Bot) {
		b.Curator = unindexed{b.Curator.(*lib.Library)}
		b.OnError = k.add
	})
	ctx := ctxT(t, 30*time.Second)

	r := h.add(t, ctx, moderator, "lighthouse.txt", lighthouse)
	ids := own(l, discordtest.DefaultGuildID)
	if len(ids) != 1 {
		t.Fatalf("stored %v", ids)
	}
	c := r.msg.Content
	if !strings.Contains(c, "Added") || !strings.Contains(c, ids[0]) || !strings.Contains(c, "within a few seconds") ||
		strings.Contains(c, "answered in this server now") || strings.Contains(c, textInternal) {
		t.Errorf("add: %q", c)
	}
	if got := k.next(t); got != bot.ErrorAnswer {
		t.Errorf("add: OnError %q", got)
	}

	r = h.reply(t, ctx, discordtest.Component("c:rm:"+ids[0]).By(moderator))
	c = r.msg.Content
	if !strings.Contains(c, "Removed") || !strings.Contains(c, "within a few seconds") || strings.Contains(c, textInternal) {
		t.Errorf("remove: %q", c)
	}
	if got := k.next(t); got != bot.ErrorAnswer {
		t.Errorf("remove: OnError %q", got)
	}
	if ids := own(l, discordtest.DefaultGuildID); len(ids) != 0 {
		t.Errorf("still stored: %v", ids)
	}
}

// TestDocumentChoicesSameTitle: a server's document with the title of a
// shipped one is offered beside it in /questions' autocomplete, the two
// told apart by id.
func TestDocumentChoicesSameTitle(t *testing.T) {
	t.Parallel()
	h, _ := startCurated(t)
	ctx := ctxT(t, 30*time.Second)
	const seedTitle = "China-Latin America Technological Cooperation: Soft Power and Sustainability"
	r := h.add(t, ctx, moderator, "copy.txt", lighthouse, discordtest.String("title", seedTitle))
	if !strings.Contains(r.msg.Content, "Added") {
		t.Fatalf("add: %s", r.msg.Content)
	}
	_, _, m := h.interact(t, ctx, discordtest.Autocomplete("questions", discordtest.Focused(discordtest.String("document", "soft power"))))
	values := map[string]string{}
	for _, c := range m.Choices {
		values[fmt.Sprint(c.Value)] = c.Name
	}
	if len(values) != 2 || values["spcis-china-latin-america-technology"] == "" {
		t.Fatalf("choices: %+v", m.Choices)
	}
	for v, name := range values {
		if !strings.HasSuffix(name, "("+v+")") || len([]rune(name)) > 100 {
			t.Errorf("choice %q for %s: not told apart by its id", name, v)
		}
	}
}

// TestCorpusAddInterviewer: the interviewer option names who asks, for a
// file whose questions the parser would otherwise take the wrong way round.
func TestCorpusAddInterviewer(t *testing.T) {
	t.Parallel()
	h, _ := startCurated(t)
	ctx := ctxT(t, 30*time.Second)
	rosa := []byte("Pedro Gil: Tell me about your childhood.\n\nRosa Díaz: Where do I start? We lived by the sea. Who could forget it?\n\n" +
		"Pedro Gil: Describe your first job.\n\nRosa Díaz: What a job it was! I sold fish. Why fish? Because my father did.\n")
	r := h.add(t, ctx, moderator, "rosa.txt", rosa, discordtest.String("interviewer", "Pedro Gil"))
	if !strings.Contains(r.msg.Content, "Questions: 2") || !strings.Contains(r.msg.Content, "Tell me about your childhood.") ||
		!strings.Contains(r.msg.Content, "Asks: Pedro Gil · answers: Rosa Díaz") {
		t.Errorf("with the interviewer named: %s", r.msg.Content)
	}
}

// panickingRemover is a library whose Remove panics.
type panickingRemover struct{ *lib.Library }

func (panickingRemover) Remove(context.Context, string, string) (lib.Entry, error) {
	panic("remove failed")
}

// TestCorpusRemovePanics: a removal that panics after its click was
// acknowledged still tells the moderator, in the confirmation.
func TestCorpusRemovePanics(t *testing.T) {
	t.Parallel()
	h, l := startCurated(t, func(b *bot.Bot) { b.Curator = panickingRemover{b.Curator.(*lib.Library)} })
	ctx := ctxT(t, 30*time.Second)
	r, confirm := h.addToRemove(t, ctx, l)
	if pr := h.reply(t, ctx, discordtest.Component(confirm).On(r.id).By(moderator)); !strings.Contains(pr.msg.Content, "internal error") {
		t.Errorf("after a panic: %+v", pr)
	}
}
