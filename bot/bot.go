// Package bot is Verbatim's Discord adapter: it connects to the gateway with
// discordgo, registers the slash commands and answers interactions with
// quotations from the corpus. It is the only package that imports discordgo.
package bot

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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
	// QuoteFor quotes a section as the answer to a question whose terms
	// (answer.Answer.Terms) are terms, in at most maxChars characters (the
	// answerer's own bound when 0); false when there is no such section.
	QuoteFor(d *document.Document, section int, terms []string, maxChars int) (answer.Hit, bool)
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
	DefaultDeferAfter = 1500 * time.Millisecond
	DefaultRateBurst  = 5
	DefaultRateEvery  = 2 * time.Second
	// maxUploads is how many /corpus add may fetch and parse at once.
	maxUploads             = 2
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
	// MaxInFlight is how many answers are computed at once (by as many
	// worker goroutines); more questions wait briefly for a worker
	// (DefaultMaxInFlight).
	MaxInFlight int
	// ShutdownTimeout bounds the wait for interactions in flight at shutdown.
	ShutdownTimeout time.Duration
	// OnError, if set, is called once per failed interaction with what
	// failed: ErrorDiscord, ErrorAnswer or ErrorPanic (for a counter of
	// errors by kind). It is called from the interactions' goroutines, so
	// must be safe for concurrent use, and should return quickly.
	OnError func(kind string)
	// Curator lets moderators curate their server's documents with
	// /corpus; nil leaves the command unregistered.
	Curator Curator

	cfg    config.Config
	ans    Answerer
	corpus Corpus
	log    *slog.Logger

	limiter *limiter
	jobs    chan askJob // to the answer workers
	uploads chan struct{}
	// uploadCtx is the context of uploads: cancelled (errShuttingDown)
	// uploadGrace before the shutdown's wait ends.
	uploadCtx     context.Context
	cancelUploads context.CancelCauseFunc
	session       *discordgo.Session
	replays       seenIDs // interaction ids answered over HTTP

	mu         sync.Mutex
	closing    bool // Run is over or ending: no new interactions
	connected  bool // gateway mode: READY or RESUMED since the last disconnect
	registered bool // the commands are registered
	wg         sync.WaitGroup
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
		MaxInFlight:     DefaultMaxInFlight(),
		ShutdownTimeout: DefaultShutdownTimeout,
		cfg:             cfg, ans: ans, corpus: c, log: log,
	}, nil
}

// DefaultMaxInFlight is two answers per CPU (at least 4). Answering is CPU
// work of about a millisecond: computing more at once only makes them
// contend for the cores and the collector. Measured with 50 questions in
// flight on 2 cores: 32 at once gave p99 23-35 ms, 4 at once 12-24 ms
// (BENCHMARKS.md).
func DefaultMaxInFlight() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

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

// Run registers the commands (bulk overwrite) and answers interactions
// until ctx ends. In gateway mode (the default) it connects to Discord's
// gateway and takes interactions from it. In HTTP mode (cfg.Mode is
// config.ModeHTTP) it opens no gateway connection: interactions come
// through InteractionsHandler, and later responses go through the REST API.
// When ctx ends it stops taking interactions, waits (bounded by
// ShutdownTimeout) for those in flight, closes the session and returns nil.
// It returns an error when it cannot connect or register the commands
// (unless ctx ended meanwhile: that is a shutdown), or, in HTTP mode, has
// no public key to check requests with. Interactions are taken while the
// commands register, and finished before it returns in every case.
func (b *Bot) Run(ctx context.Context) error {
	httpMode := b.cfg.Mode == config.ModeHTTP
	if httpMode && len(b.cfg.PublicKey) != ed25519.PublicKeySize {
		return errors.New("bot: HTTP mode needs the application's public key (DISCORD_PUBLIC_KEY)")
	}
	b.limiter = newLimiter(max(b.RateBurst, 1), b.RateEvery, maxUsers)
	b.jobs = make(chan askJob)
	quit := make(chan struct{})
	defer close(quit) // after the interactions in flight, or the shutdown timeout
	b.answerWorkers(max(b.MaxInFlight, 1), quit)
	b.uploads = make(chan struct{}, maxUploads)
	b.uploadCtx, b.cancelUploads = context.WithCancelCause(context.Background())
	defer b.cancelUploads(errShuttingDown)

	s, err := discordgo.New("Bot " + b.cfg.Token)
	if err != nil {
		return fmt.Errorf("discord session: %w", err)
	}
	// Up to MaxInFlight answers, and the autocompletes and buttons besides,
	// call Discord at once: keep that many connections alive between bursts
	// rather than closing all but a few and dialling (and, in production,
	// TLS-handshaking) anew for the next burst.
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConns: 256,
		MaxIdleConnsPerHost: max(2*b.MaxInFlight, 64), IdleConnTimeout: 90 * time.Second}
	defer tr.CloseIdleConnections()
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
	if !httpMode {
		// discordgo runs each handler on its own goroutine; a disconnect and
		// the next READY/RESUMED are a reconnection apart, so they do not race.
		s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			b.setConnected(true)
			b.log.Info("connected to Discord", "user", r.User.Username, "guilds", len(r.Guilds))
		})
		s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { b.setConnected(true) })
		s.AddHandler(func(*discordgo.Session, *discordgo.Connect) { b.setConnected(true) })
		s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) { b.setConnected(false) })
		s.AddHandler(b.onInteraction)
	}
	// Under mu: publishes the session, limiter and workers to InteractionsHandler.
	b.mu.Lock()
	b.session = s
	b.mu.Unlock()

	start := time.Now()
	if !httpMode {
		if err := s.Open(); err != nil {
			b.stopTaking()
			return fmt.Errorf("connect to Discord gateway: %w", err)
		}
	}
	cmds, err := s.ApplicationCommandBulkOverwrite(b.cfg.AppID, b.cfg.GuildID, b.commands(), discordgo.WithContext(ctx))
	if err != nil {
		// Interactions are taken while the commands register (those of an
		// earlier registration, from the gateway or over HTTP): they are
		// finished as at any shutdown.
		stopping := ctx.Err() != nil // a SIGTERM as the bot starts
		if stopping {
			b.log.Info("shut down while registering the commands: finishing interactions in flight")
		}
		b.finish(s, httpMode)
		if stopping {
			return nil
		}
		return fmt.Errorf("register commands: %w", err)
	}
	b.mu.Lock()
	b.registered = true
	b.mu.Unlock()
	scope := "global"
	if b.cfg.GuildID != "" {
		scope = "guild"
	}
	b.log.Info("commands registered", "count", len(cmds), "scope", scope, "guild", b.cfg.GuildID,
		"http", httpMode, "took", time.Since(start).Round(time.Millisecond))

	<-ctx.Done()
	b.log.Info("shutting down: finishing interactions in flight")
	b.finish(s, httpMode)
	b.log.Info("stopped")
	return nil
}

// finish stops taking interactions, waits up to ShutdownTimeout for those
// in flight, and closes s's gateway connection (none in HTTP mode).
func (b *Bot) finish(s *discordgo.Session, httpMode bool) {
	b.stopTaking()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	// Uploads still downloading near the end of the wait are stopped in
	// time to tell their moderator so, rather than cut off unanswered.
	stopUploads := time.AfterFunc(max(b.ShutdownTimeout-uploadGrace, 0), func() { b.cancelUploads(errShuttingDown) })
	defer stopUploads.Stop()
	t := time.NewTimer(b.ShutdownTimeout)
	select {
	case <-done:
		t.Stop()
	case <-t.C:
		b.log.Warn("shutdown: interactions still in flight after timeout", "timeout", b.ShutdownTimeout)
	}
	if !httpMode {
		if err := s.Close(); err != nil {
			b.log.Warn("close Discord session", "err", err)
		}
	}
}

// Ready returns nil when the bot is ready to answer: Run is running, the
// commands are registered and, in gateway mode, the gateway connection is
// up. Otherwise its error says what is not ready (for a readiness probe).
func (b *Bot) Ready() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closing:
		return errors.New("bot: shutting down or stopped")
	case b.session == nil:
		return errors.New("bot: not started")
	case b.cfg.Mode != config.ModeHTTP && !b.connected:
		return errors.New("bot: not connected to the Discord gateway")
	case !b.registered:
		return errors.New("bot: commands not registered yet")
	}
	return nil
}

// stopTaking makes the bot refuse new interactions: Run is over or ending.
func (b *Bot) stopTaking() {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
}

func (b *Bot) setConnected(up bool) {
	b.mu.Lock()
	b.connected = up
	b.mu.Unlock()
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

// commands are the slash commands the bot registers: /corpus only with a Curator.
func (b *Bot) commands() []*discordgo.ApplicationCommand {
	cmds := []*discordgo.ApplicationCommand{
		{
			Name:        "ask",
			Description: "Answer a question with quotes from the interviews",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "Your question",
					Required: true, Autocomplete: true, MaxLength: answer.MaxQuestionChars},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "hide", Description: "Only you see the answer"},
			},
		},
		{Name: "sources", Description: "List the documents the answers are quoted from",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "hide", Description: "Only you see the list"},
			}},
		{
			Name:        "questions",
			Description: "List the questions a document answers",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "document", Description: "The document",
					Required: true, Autocomplete: true},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "hide", Description: "Only you see the list"},
			},
		},
	}
	if b.Curator != nil {
		cmds = append(cmds, corpusCommand())
	}
	return cmds
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
	tr := &trackingReplier{replier: markingReplier{r}}
	r = tr
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("panic handling interaction", append(attrs, "panic", fmt.Sprint(p))...)
			b.reportError(ErrorPanic)
			b.tellPanic(tr, i)
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
		case "corpus":
			res = b.handleCorpus(r, i)
		default:
			res = b.fail(r, i, "I do not know that command.")
		}
	case discordgo.InteractionApplicationCommandAutocomplete:
		name := i.ApplicationCommandData().Name
		attrs = append(attrs, "kind", "autocomplete", "command", name)
		if name == "corpus" {
			res = b.handleCorpusAutocomplete(r, i)
		} else {
			res = b.handleAutocomplete(r, i)
		}
	case discordgo.InteractionMessageComponent:
		id := i.MessageComponentData().CustomID
		kind, _, _ := strings.Cut(id, ":")
		attrs = append(attrs, "kind", "button", "command", kind)
		if kind == "c" {
			res = b.handleCorpusButton(r, i, id)
		} else {
			res = b.handleButton(r, i, id)
		}
	default:
		return
	}
	attrs = append(attrs, "latency", time.Since(start).Round(time.Microsecond), "hits", res.hits)
	if res.deferred {
		attrs = append(attrs, "deferred", true)
	}
	if res.err != nil {
		b.log.Error("interaction failed", append(attrs, "err", res.err)...)
		b.reportError(errorKind(res.err))
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

// Kinds of failed interactions, for OnError.
const (
	ErrorDiscord = "discord" // a call to Discord failed
	ErrorAnswer  = "answer"  // answering failed unexpectedly
	ErrorPanic   = "panic"   // a handler panicked
)

func (b *Bot) reportError(kind string) {
	if b.OnError != nil {
		b.OnError(kind)
	}
}

// errorKind is ErrorDiscord when a call to Discord is among err's causes
// (the user may have seen nothing), ErrorAnswer otherwise.
func errorKind(err error) string {
	switch {
	case errors.As(err, new(discordError)):
		return ErrorDiscord
	case errors.Is(err, errPanic):
		return ErrorPanic
	}
	return ErrorAnswer
}

// errPanic marks an error made of a recovered panic.
var errPanic = errors.New("panic")

// discordError marks an error from a call to Discord.
type discordError struct{ err error }

func (e discordError) Error() string { return e.err.Error() }
func (e discordError) Unwrap() error { return e.err }

// trackingReplier remembers the interaction's first response, so that a
// handler that panics can still be answered.
type trackingReplier struct {
	replier
	responded atomic.Int32 // 0, or the type of the first response sent
}

func (t *trackingReplier) Respond(i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	err := t.replier.Respond(i, resp)
	if err == nil {
		t.responded.CompareAndSwap(0, int32(resp.Type))
	}
	return err
}

// tellPanic answers an interaction whose handler panicked with the
// internal-error text: as its response when it had none, or privately in
// place of the "thinking…" of a deferral. A failure here is logged, never raised.
func (b *Bot) tellPanic(t *trackingReplier, i *discordgo.Interaction) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("panic telling the user of a panic", "panic", fmt.Sprint(p))
		}
	}()
	var err error
	switch discordgo.InteractionResponseType(t.responded.Load()) {
	case 0:
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			err = t.Respond(i, &discordgo.InteractionResponse{
				Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}},
			})
		} else {
			err = b.fail(t, i, textInternal).err
		}
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		// Errors are private, and the deferral may be public: replace it.
		err = errors.Join(t.DeleteOriginal(i), t.Followup(i, &discordgo.WebhookParams{
			Content: textInternal, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
		}))
	case discordgo.InteractionResponseDeferredMessageUpdate:
		err = editReply(t, i, textInternal) // the private message the button is on
	}
	if err != nil {
		b.log.Error("telling the user of a panic", "err", err)
	}
}

// markingReplier marks its replier's errors as Discord's.
type markingReplier struct{ r replier }

func mark(err error) error {
	if err == nil {
		return nil
	}
	return discordError{err}
}

func (m markingReplier) Respond(i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	return mark(m.r.Respond(i, resp))
}

func (m markingReplier) Edit(i *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	return mark(m.r.Edit(i, e))
}

func (m markingReplier) DeleteOriginal(i *discordgo.Interaction) error {
	return mark(m.r.DeleteOriginal(i))
}

func (m markingReplier) Followup(i *discordgo.Interaction, p *discordgo.WebhookParams) error {
	return mark(m.r.Followup(i, p))
}
