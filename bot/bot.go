// Package bot is Verbatim's Discord adapter: it connects to the gateway with
// discordgo, registers the slash commands and answers interactions with
// quotations from the corpus. It is the only package that imports discordgo.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/config"
	"github.com/verbatimbot/verbatim/internal/document"
)

// Answerer answers questions; *answer.Answerer is one.
type Answerer interface {
	// Ask answers question as asked in server with at most top hits.
	Ask(ctx context.Context, question, server string, top int) (answer.Answer, error)
	// Search ranks up to k sections for question.
	Search(ctx context.Context, question, server string, k int) (answer.Ranking, error)
	// Link returns the link to a section's question in its source, or "".
	Link(d *document.Document, section int) string
}

// Corpus gives the bot the documents; *corpus.Set is one.
type Corpus interface {
	// Document returns the document with this id.
	Document(id string) (*document.Document, bool)
	// Documents returns the documents owned by server ("" for everywhere).
	Documents(server string) []*document.Document
}

// Defaults of the Bot's tunable fields.
const (
	DefaultDeferAfter      = 1500 * time.Millisecond
	DefaultRateBurst       = 5
	DefaultRateEvery       = 2 * time.Second
	DefaultMaxInFlight     = 32
	DefaultShutdownTimeout = 8 * time.Second
	// maxUsers bounds the rate limiter's memory.
	maxUsers = 10000
)

// Bot is a Discord bot answering from a corpus. Set its exported fields,
// if at all, before Run.
type Bot struct {
	// DeferAfter is how long /ask waits for its answer before deferring the
	// reply (type 5) and editing it in later. Zero or less defers at once.
	DeferAfter time.Duration
	// RateBurst questions a user may ask at once, then one per RateEvery.
	RateBurst int
	RateEvery time.Duration
	// MaxInFlight caps the answers being computed at once.
	MaxInFlight int
	// ShutdownTimeout bounds the wait for interactions in flight at shutdown.
	ShutdownTimeout time.Duration

	cfg    config.Config
	ans    Answerer
	corpus Corpus
	log    *slog.Logger

	limiter *limiter
	sem     chan struct{}
	session *discordgo.Session

	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

// New returns a bot for cfg answering from ans over c. It returns an error
// when cfg lacks the token or the application id.
func New(cfg config.Config, ans Answerer, c Corpus, log *slog.Logger) (*Bot, error) {
	if cfg.Token == "" {
		return nil, errors.New("bot: no Discord token (DISCORD_TOKEN)")
	}
	if cfg.AppID == "" {
		return nil, errors.New("bot: no application id (DISCORD_APP_ID)")
	}
	if ans == nil || c == nil {
		return nil, errors.New("bot: no answerer or corpus")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = config.DefaultBaseURL
	}
	return &Bot{
		DeferAfter:      DefaultDeferAfter,
		RateBurst:       DefaultRateBurst,
		RateEvery:       DefaultRateEvery,
		MaxInFlight:     DefaultMaxInFlight,
		ShutdownTimeout: DefaultShutdownTimeout,
		cfg:             cfg, ans: ans, corpus: c, log: log,
	}, nil
}

// rewriteTransport sends requests for discord.com to another base URL, path kept.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "discord.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = rt.base.Scheme, rt.base.Host, ""
		r.URL.Path = strings.TrimRight(rt.base.Path, "/") + r.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = strings.TrimRight(rt.base.EscapedPath(), "/") + r.URL.RawPath
		}
	}
	return rt.next.RoundTrip(r)
}

// Run connects to Discord, registers the commands and answers interactions
// until ctx ends; then it stops taking interactions, waits (bounded by
// ShutdownTimeout) for those in flight, closes the session and returns nil.
// It returns an error when it cannot connect or register the commands.
func (b *Bot) Run(ctx context.Context) error {
	b.limiter = newLimiter(max(b.RateBurst, 1), b.RateEvery, maxUsers)
	b.sem = make(chan struct{}, max(b.MaxInFlight, 1))

	s, err := discordgo.New("Bot " + b.cfg.Token)
	if err != nil {
		return fmt.Errorf("discord session: %w", err)
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	var rt http.RoundTripper = tr
	if b.cfg.BaseURL != config.DefaultBaseURL {
		base, err := url.Parse(b.cfg.BaseURL)
		if err != nil {
			return fmt.Errorf("DISCORD_BASE_URL: %w", err)
		}
		rt = rewriteTransport{base: base, next: tr}
	}
	s.Client = &http.Client{Transport: rt, Timeout: 10 * time.Second}
	s.Identify.Intents = discordgo.IntentsGuilds // not privileged; slash commands need nothing more
	s.LogLevel = discordgo.LogError
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		b.log.Info("connected to Discord", "user", r.User.Username, "guilds", len(r.Guilds))
	})
	s.AddHandler(b.onInteraction)
	b.session = s

	start := time.Now()
	if err := s.Open(); err != nil {
		tr.CloseIdleConnections()
		return fmt.Errorf("connect to Discord gateway: %w", err)
	}
	cmds, err := s.ApplicationCommandBulkOverwrite(b.cfg.AppID, b.cfg.GuildID, commands(), discordgo.WithContext(ctx))
	if err != nil {
		_ = s.Close()
		tr.CloseIdleConnections()
		return fmt.Errorf("register commands: %w", err)
	}
	scope := "global"
	if b.cfg.GuildID != "" {
		scope = "guild"
	}
	b.log.Info("commands registered", "count", len(cmds), "scope", scope, "guild", b.cfg.GuildID,
		"took", time.Since(start).Round(time.Millisecond))

	<-ctx.Done()
	b.log.Info("shutting down: finishing interactions in flight")
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	t := time.NewTimer(b.ShutdownTimeout)
	select {
	case <-done:
		t.Stop()
	case <-t.C:
		b.log.Warn("shutdown: interactions still in flight after timeout", "timeout", b.ShutdownTimeout)
	}
	if err := s.Close(); err != nil {
		b.log.Warn("close Discord session", "err", err)
	}
	tr.CloseIdleConnections()
	b.log.Info("stopped")
	return nil
}

// begin registers an interaction in flight; false once shutting down.
func (b *Bot) begin() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return false
	}
	b.wg.Add(1)
	return true
}

// commands are the slash commands the bot registers.
func commands() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{
		{
			Name:        "ask",
			Description: "Answer a question with quotes from the interviews",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "Your question",
					Required: true, Autocomplete: true, MaxLength: answer.MaxQuestionChars},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "hide", Description: "Only you see the answer"},
			},
		},
		{Name: "sources", Description: "List the documents the answers are quoted from"},
		{
			Name:        "questions",
			Description: "List the questions a document answers",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "document", Description: "The document",
					Required: true, Autocomplete: true},
			},
		},
	}
}

// onInteraction handles an interaction from the gateway; discordgo calls it
// on its own goroutine.
func (b *Bot) onInteraction(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	if !b.begin() {
		return // shutting down: Discord will tell the user the interaction failed
	}
	defer b.wg.Done()
	b.handle(sessionReplier{s}, ic.Interaction)
}

// handle answers one interaction through r, whichever way it arrived. The
// caller has registered it with begin.
func (b *Bot) handle(r replier, i *discordgo.Interaction) {
	start := time.Now()
	attrs := []any{"guild", i.GuildID}
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("panic handling interaction", append(attrs, "panic", fmt.Sprint(r))...)
		}
	}()
	var res outcome
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		name := i.ApplicationCommandData().Name
		attrs = append(attrs, "kind", "command", "command", name)
		switch name {
		case "ask":
			res = b.handleAsk(r, i)
		case "sources":
			res = b.handleSources(r, i)
		case "questions":
			res = b.handleQuestions(r, i)
		default:
			res = b.fail(r, i, "I do not know that command.")
		}
	case discordgo.InteractionApplicationCommandAutocomplete:
		name := i.ApplicationCommandData().Name
		attrs = append(attrs, "kind", "autocomplete", "command", name)
		res = b.handleAutocomplete(r, i)
	case discordgo.InteractionMessageComponent:
		id := i.MessageComponentData().CustomID
		kind, _, _ := strings.Cut(id, ":")
		attrs = append(attrs, "kind", "button", "command", kind)
		res = b.handleButton(r, i, id)
	default:
		return
	}
	attrs = append(attrs, "latency", time.Since(start).Round(time.Microsecond), "hits", res.hits)
	if res.deferred {
		attrs = append(attrs, "deferred", true)
	}
	if res.err != nil {
		b.log.Error("interaction failed", append(attrs, "err", res.err)...)
		return
	}
	b.log.Info("interaction", attrs...)
}

// outcome is what handling an interaction came to, for the log.
type outcome struct {
	hits     int
	deferred bool
	err      error // unexpected: logged in full
}

// message is a reply.
type message struct {
	content    string
	components []discordgo.MessageComponent
	ephemeral  bool
}

// noMentions is set on every message: quoted text must never ping anyone.
func noMentions() *discordgo.MessageAllowedMentions { return &discordgo.MessageAllowedMentions{} }

func (m message) flags() discordgo.MessageFlags {
	if m.ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

func (m message) data() *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{
		Content:         m.content,
		Components:      m.components,
		Flags:           m.flags(),
		AllowedMentions: noMentions(),
	}
}

// respond answers an interaction with a new message (or, with update, by
// changing the message its component is on).
func (b *Bot) respond(r replier, i *discordgo.Interaction, m message, update bool) error {
	typ := discordgo.InteractionResponseChannelMessageWithSource
	if update {
		typ = discordgo.InteractionResponseUpdateMessage
	}
	if err := r.Respond(i, &discordgo.InteractionResponse{Type: typ, Data: m.data()}); err != nil {
		return fmt.Errorf("respond: %w", err)
	}
	return nil
}

// fail answers with a private error message for the user.
func (b *Bot) fail(r replier, i *discordgo.Interaction, text string) outcome {
	return outcome{err: b.respond(r, i, message{content: text, ephemeral: true}, false)}
}

// userID is who made the interaction.
func userID(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

// documents are the documents answered in guild: the shared ones, then the guild's own.
func (b *Bot) documents(guild string) []*document.Document {
	docs := b.corpus.Documents("")
	if guild != "" {
		docs = append(docs, b.corpus.Documents(guild)...)
	}
	return docs
}

// document returns the document with id if it is answered in guild.
func (b *Bot) document(id, guild string) (*document.Document, bool) {
	d, ok := b.corpus.Document(id)
	if !ok || (d.Server != "" && d.Server != guild) {
		return nil, false
	}
	return d, true
}
