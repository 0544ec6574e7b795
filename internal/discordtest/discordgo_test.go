package discordtest_test

// These tests prove the stand-in works with the bot's real client: discordgo v0.29.0.
// (Only bot/ imports discordgo in production code; tests of this package may.)

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/discordtest"
)

// rewriteTransport sends https://discord.com requests to the stand-in, path unchanged. The bot
// owns its own; this one is for these tests only.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "discord.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = rt.base.Scheme, rt.base.Host, ""
	}
	return rt.next.RoundTrip(r)
}

// openSession opens a discordgo session against srv; the test's cleanup closes it (which
// takes discordgo a second) before the server.
func openSession(t *testing.T, srv *discordtest.Server, setup func(*discordgo.Session)) *discordgo.Session {
	t.Helper()
	base, _ := url.Parse(srv.URL())
	tr := &http.Transport{}
	s, err := discordgo.New("Bot " + srv.Options().Token)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: rewriteTransport{base: base, next: tr}, Timeout: 5 * time.Second}
	s.Identify.Intents = discordgo.IntentsGuilds
	if setup != nil {
		setup(s)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		tr.CloseIdleConnections()
	})
	if err := srv.WaitReady(ctxT(t, 3*time.Second)); err != nil {
		t.Fatal(err)
	}
	return s
}

var testCommands = []*discordgo.ApplicationCommand{
	{Name: "ask", Description: "Ask the corpus", Options: []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "Your question", Required: true, Autocomplete: true},
		{Type: discordgo.ApplicationCommandOptionBoolean, Name: "hide", Description: "Only you see the answer"},
	}},
	{Name: "corpus", Description: "Manage documents", Options: []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list", Description: "List the documents"},
	}},
}

// answer is a small bot: /ask answers at once, /corpus list defers then edits, autocomplete
// suggests, the "more" button updates the message.
func answer(s *discordgo.Session, i *discordgo.InteractionCreate) {
	var err error
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		d := i.ApplicationCommandData()
		switch d.Name {
		case "ask":
			var flags discordgo.MessageFlags
			if o := d.GetOption("hide"); o != nil && o.BoolValue() {
				flags = discordgo.MessageFlagsEphemeral
			}
			err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{
					Content:         "> " + d.GetOption("question").StringValue(),
					Flags:           flags,
					AllowedMentions: &discordgo.MessageAllowedMentions{},
					Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
						discordgo.Button{Label: "More", Style: discordgo.PrimaryButton, CustomID: "more:1"},
					}}},
				},
			})
		case "corpus":
			err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
			if err == nil {
				content := "3 documents (" + i.Member.User.Username + ")"
				_, err = s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &content})
			}
		}
	case discordgo.InteractionApplicationCommandAutocomplete:
		typed := i.ApplicationCommandData().Options[0].StringValue()
		err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{
				{Name: typed + " is soft power?", Value: typed + " is soft power?"}}},
		})
	case discordgo.InteractionMessageComponent:
		err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{Content: i.Message.Content + " (more)"},
		})
	}
	if err != nil {
		handlerErr.Store(err.Error())
	}
}

// handlerErr records a handler error; handlers run on discordgo's goroutines.
var handlerErr atomic.Value

func checkHandlerErrors(t *testing.T) {
	if v := handlerErr.Load(); v != nil {
		t.Errorf("handler error: %v", v)
	}
}

func TestDiscordgoSession(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.Options{})
	readyc := make(chan *discordgo.Ready, 1)
	s := openSession(t, srv, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { readyc <- r })
		s.AddHandler(answer)
	})
	ctx := ctxT(t, 5*time.Second)
	select {
	case r := <-readyc:
		if r.SessionID == "" || r.User.ID != discordtest.DefaultAppID || !r.User.Bot || r.Version != 9 {
			t.Errorf("READY as discordgo sees it: %+v %+v", r, r.User)
		}
	case <-ctx.Done():
		t.Fatal("no READY event")
	}
	if srv.Identifies() != 1 {
		t.Errorf("identifies %d", srv.Identifies())
	}
	// GUILD_CREATE fills discordgo's state, roles included (a bot resolves role names there).
	var roles []discordgo.Role
	for deadline := time.Now().Add(2 * time.Second); len(roles) < 2 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s.State.RLock() // the state is written by discordgo's goroutines
		for _, g := range s.State.Guilds {
			if g.ID == discordtest.DefaultGuildID && !g.Unavailable {
				roles = roles[:0]
				for _, r := range g.Roles {
					roles = append(roles, *r)
				}
			}
		}
		s.State.RUnlock()
	}
	if len(roles) != 2 || roles[1].Name != "Moderators" || roles[1].Permissions&discordgo.PermissionManageGuild == 0 {
		t.Fatalf("state guild roles: %+v", roles)
	}

	created, err := s.ApplicationCommandBulkOverwrite(discordtest.DefaultAppID, discordtest.DefaultGuildID, testCommands)
	if err != nil || len(created) != 2 || created[0].ID == "" || created[0].Version == "" {
		t.Fatalf("bulk overwrite: %v %+v", err, created)
	}
	cmds, err := srv.WaitCommands(ctx, discordtest.DefaultGuildID)
	if err != nil || len(cmds) != 2 || !strings.Contains(string(cmds[0]), `"autocomplete":true`) {
		t.Fatalf("WaitCommands: %v %s", err, cmds)
	}

	// A command answered at once.
	askID, err := srv.Interact(ctx, discordtest.Command("ask", discordtest.String("question", "why <@1>?"), discordtest.Bool("hide", true)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := srv.WaitResponse(ctx, askID)
	if err != nil {
		t.Fatal(err)
	}
	data := decode[struct {
		Content         string          `json:"content"`
		Flags           int             `json:"flags"`
		AllowedMentions json.RawMessage `json:"allowed_mentions"`
	}](t, r.Data)
	if r.Type != discordtest.ResponseChannelMessage || data.Content != "> why <@1>?" || data.Flags != discordtest.FlagEphemeral ||
		// discordgo renders an empty MessageAllowedMentions as parse:null, which Discord takes as "no mentions".
		string(data.AllowedMentions) != `{"parse":null,"replied_user":false}` || r.Latency > 3*time.Second {
		t.Errorf("response %d %s latency %v", r.Type, r.Data, r.Latency)
	}

	// Autocomplete.
	acID, err := srv.Interact(ctx, discordtest.Autocomplete("ask", discordtest.Focused(discordtest.String("question", "what"))))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := srv.WaitResponse(ctx, acID); err != nil || r.Type != discordtest.ResponseAutocompleteResult ||
		!strings.Contains(string(r.Data), `"choices":[{"name":"what is soft power?"`) {
		t.Errorf("autocomplete: %v %d %s", err, r.Type, r.Data)
	}

	// Deferred, then edited through the interaction webhook.
	mod := discordtest.Member{ID: "7", Username: "mod", Permissions: discordtest.DefaultPermissions | discordtest.PermManageGuild}
	listID, err := srv.Interact(ctx, discordtest.Command("corpus", discordtest.Subcommand("list")).By(mod))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := srv.WaitResponse(ctx, listID); err != nil || r.Type != discordtest.ResponseDeferredChannelMessage {
		t.Errorf("deferral: %v %+v", err, r)
	}
	if e, err := srv.WaitEdit(ctx, listID); err != nil || !strings.Contains(string(e), `"content":"3 documents (mod)"`) {
		t.Errorf("edit: %v %s", err, e)
	}

	// A button on the /ask answer updates that message.
	moreID, err := srv.Interact(ctx, discordtest.Component("more:1").On(askID))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := srv.WaitResponse(ctx, moreID); err != nil || r.Type != discordtest.ResponseUpdateMessage {
		t.Errorf("update: %v %+v", err, r)
	}
	if m, ok := srv.Original(askID); !ok || !strings.Contains(string(m), `"content":"\u003e why \u003c@1\u003e? (more)"`) {
		t.Errorf("updated message: %s", m)
	}

	// A 429 on the callback: discordgo waits retry_after and retries, inside the deadline.
	srv.Fail429Next(1, 300*time.Millisecond)
	rlID, err := srv.Interact(ctx, discordtest.Command("ask", discordtest.String("question", "again")))
	if err != nil {
		t.Fatal(err)
	}
	r, err = srv.WaitResponse(ctx, rlID)
	if err != nil || r.Latency < 300*time.Millisecond || r.Latency > 3*time.Second {
		t.Errorf("after 429: %v latency %v", err, r.Latency)
	}
	var statuses []int
	for _, req := range srv.Requests() {
		if strings.Contains(req.Path, "/interactions/"+rlID+"/") {
			statuses = append(statuses, req.Status)
		}
		if !req.Authorized {
			t.Errorf("discordgo request without the bot token: %+v", req)
		}
	}
	if len(statuses) != 2 || statuses[0] != 429 || statuses[1] != 204 {
		t.Errorf("callback statuses %v, want [429 204]", statuses)
	}

	// What discordgo gets back for a rule the bot broke.
	err = s.InteractionRespond(&discordgo.Interaction{ID: askID, Token: "x"}, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "x"}})
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) || rest.Message == nil || rest.Message.Code != 10062 {
		t.Errorf("wrong token: %v", err)
	}
	checkHandlerErrors(t)
}

func TestDiscordgoReconnects(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.Options{HeartbeatInterval: 200 * time.Millisecond})
	s := openSession(t, srv, func(s *discordgo.Session) { s.AddHandler(answer) })
	if _, err := s.ApplicationCommandBulkOverwrite(discordtest.DefaultAppID, "", testCommands); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t, 10*time.Second)
	roundTrip := func(step string) {
		t.Helper()
		id, err := srv.Interact(ctx, discordtest.Command("ask", discordtest.String("question", step)))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if r, err := srv.WaitResponse(ctx, id); err != nil || !strings.Contains(string(r.Data), step) {
			t.Fatalf("%s: %v %s", step, err, r.Data)
		}
	}
	roundTrip("first")

	srv.Reconnect() // op 7: discordgo closes with 1012 and RESUMEs
	if err := srv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if srv.Resumes() != 1 || srv.Identifies() != 1 {
		t.Errorf("after RECONNECT: resumes %d identifies %d", srv.Resumes(), srv.Identifies())
	}
	roundTrip("after-reconnect")

	srv.DropConnection() // discordgo notices the read error, reconnects and RESUMEs
	if err := srv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if srv.Resumes() != 2 || srv.Identifies() != 1 {
		t.Errorf("after drop: resumes %d identifies %d", srv.Resumes(), srv.Identifies())
	}
	roundTrip("after-drop")

	srv.InvalidateSession() // op 9: discordgo IDENTIFYs again on the same socket
	if err := srv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if srv.Identifies() != 2 {
		t.Errorf("after INVALID_SESSION: identifies %d", srv.Identifies())
	}
	roundTrip("after-invalid-session")

	time.Sleep(500 * time.Millisecond) // a few heartbeats at 200ms, all ACKed: no reconnect
	if srv.Resumes() != 2 || srv.Identifies() != 2 {
		t.Errorf("heartbeats caused reconnects: resumes %d identifies %d", srv.Resumes(), srv.Identifies())
	}
	checkHandlerErrors(t)
}
