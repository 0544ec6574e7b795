package discordtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// Interaction types (the "type" of an interaction).
const (
	InteractionCommand      = 2 // APPLICATION_COMMAND
	InteractionComponent    = 3 // MESSAGE_COMPONENT
	InteractionAutocomplete = 4 // APPLICATION_COMMAND_AUTOCOMPLETE
)

// Interaction callback types (the "type" of a Response).
const (
	ResponseChannelMessage         = 4 // CHANNEL_MESSAGE_WITH_SOURCE
	ResponseDeferredChannelMessage = 5 // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
	ResponseDeferredUpdateMessage  = 6 // DEFERRED_UPDATE_MESSAGE
	ResponseUpdateMessage          = 7 // UPDATE_MESSAGE
	ResponseAutocompleteResult     = 8 // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
	ResponseModal                  = 9 // MODAL
)

// Application command option types.
const (
	OptionSubcommand      = 1
	OptionSubcommandGroup = 2
	OptionString          = 3
	OptionInteger         = 4
	OptionBoolean         = 5
	OptionAttachment      = 11
)

// Message flags a test commonly checks.
const (
	FlagEphemeral = 1 << 6
)

// Member is the guild member who makes an interaction.
type Member struct {
	ID       string
	Username string
	// Permissions are the member's computed permissions in the channel, sent as a decimal
	// string the way Discord does.
	Permissions uint64
	Roles       []string // role ids, @everyone excluded
}

// DefaultMember makes interactions unless one says otherwise: an ordinary member with
// DefaultPermissions and no roles.
var DefaultMember = Member{ID: "1100000000000000300", Username: "member", Permissions: DefaultPermissions}

// Option is an option of a command interaction, built with String, Integer, Bool,
// Subcommand, SubcommandGroup or AttachmentOption.
type Option struct {
	Name       string
	Type       int
	Value      any // string, int64 or bool; the attachment id for attachments
	Focused    bool
	Options    []Option    // subcommand (group) options
	Attachment *Attachment // for OptionAttachment: goes into data.resolved.attachments
}

// String is a string option.
func String(name, value string) Option { return Option{Name: name, Type: OptionString, Value: value} }

// Integer is an integer option.
func Integer(name string, value int64) Option {
	return Option{Name: name, Type: OptionInteger, Value: value}
}

// Bool is a boolean option.
func Bool(name string, value bool) Option {
	return Option{Name: name, Type: OptionBoolean, Value: value}
}

// Subcommand is a subcommand with its options.
func Subcommand(name string, opts ...Option) Option {
	return Option{Name: name, Type: OptionSubcommand, Options: opts}
}

// SubcommandGroup is a subcommand group holding one subcommand.
func SubcommandGroup(name string, sub Option) Option {
	return Option{Name: name, Type: OptionSubcommandGroup, Options: []Option{sub}}
}

// AttachmentOption is an attachment option referring to a file added with AddAttachment.
func AttachmentOption(name string, a Attachment) Option {
	return Option{Name: name, Type: OptionAttachment, Value: a.ID, Attachment: &a}
}

// Focused marks o as the option being typed in an autocomplete interaction.
func Focused(o Option) Option { o.Focused = true; return o }

// Interaction is what a test user does. Build one with Command, Autocomplete, Component or
// SelectMenu and adjust it with By, In, InDM and On; Server.Interact sends it.
type Interaction struct {
	Type          int
	Name          string   // command name (command and autocomplete)
	Options       []Option // command and autocomplete
	CustomID      string   // component
	ComponentType int      // component: 2 button (default), 3 string select
	Values        []string // string select values
	GuildID       string   // default: the Server's guild
	ChannelID     string   // default: the Server's channel
	DM            bool     // in a DM with the bot: "user" instead of "member", no guild
	Member        *Member  // default: DefaultMember
	Locale        string   // default "en-US"
	// MessageOf is, for a component, the id of an earlier interaction whose response message
	// carries the component; without it the component sits on a synthetic bot message.
	MessageOf string
}

// Command is a slash command (CHAT_INPUT) interaction.
func Command(name string, opts ...Option) Interaction {
	return Interaction{Type: InteractionCommand, Name: name, Options: opts}
}

// Autocomplete is an autocomplete interaction; mark the option being typed with Focused.
func Autocomplete(name string, opts ...Option) Interaction {
	return Interaction{Type: InteractionAutocomplete, Name: name, Options: opts}
}

// Component is a button click.
func Component(customID string) Interaction {
	return Interaction{Type: InteractionComponent, CustomID: customID, ComponentType: 2}
}

// SelectMenu is a string select menu choice.
func SelectMenu(customID string, values ...string) Interaction {
	return Interaction{Type: InteractionComponent, CustomID: customID, ComponentType: 3, Values: values}
}

// By returns i made by m.
func (i Interaction) By(m Member) Interaction { i.Member = &m; return i }

// In returns i made in the given guild and channel.
func (i Interaction) In(guildID, channelID string) Interaction {
	i.GuildID, i.ChannelID, i.DM = guildID, channelID, false
	return i
}

// InDM returns i made in a DM with the bot.
func (i Interaction) InDM() Interaction { i.DM = true; return i }

// On returns the component interaction i made on the response message of an earlier
// interaction.
func (i Interaction) On(interactionID string) Interaction { i.MessageOf = interactionID; return i }

// Response is an interaction callback the bot sent.
type Response struct {
	Type     int
	Data     json.RawMessage // the "data" object; nil when absent
	Files    []File          // files of a multipart callback
	Received time.Time
	Latency  time.Duration // from dispatch to callback
}

// File is a file the bot uploaded with a callback.
type File struct {
	Name        string
	ContentType string
	Body        []byte
}

// interaction is the Server's record of a dispatched interaction.
type interaction struct {
	id, token  string
	kind       int
	guildID    string
	channelID  string
	dispatched time.Time
	response   *Response
	source     *message // the message a component is on
	original   *message // the message the response created or updated
	user       Member   // who made it
	edits      []json.RawMessage
	followups  []json.RawMessage
	followMsgs map[string]*message
	// httpPending: sent to an interactions endpoint, its HTTP response not yet read.
	httpPending bool
}

// message is a message the bot posted through an interaction.
type message struct {
	id        string
	channelID string
	msgType   int
	fields    map[string]json.RawMessage
	created   time.Time
	edited    *time.Time
	deleted   bool
}

// Interact dispatches INTERACTION_CREATE with a fresh id and token to the bot and returns the
// interaction id. It waits (bounded by ctx) for a ready gateway connection. A command must be
// registered (globally or in the guild): ErrUnknownCommand otherwise. The acknowledgement
// deadline runs from the dispatch.
func (s *Server) Interact(ctx context.Context, in Interaction) (string, error) {
	p, err := s.PrepareInteraction(in)
	if err != nil {
		return "", err
	}
	return s.Dispatch(ctx, p)
}

// PreparedInteraction is an INTERACTION_CREATE built but not dispatched yet: see
// PrepareInteraction.
type PreparedInteraction struct {
	st      *interaction
	payload json.RawMessage
	sent    atomic.Bool
}

// PrepareInteraction builds in as Interact would dispatch it, with a fresh id and token,
// without dispatching it: Dispatch does that. A load test prepares its interactions before
// its clock starts, so that what it times is the bot's work rather than its own. A command
// must be registered (globally or in the guild) when it is prepared: ErrUnknownCommand
// otherwise.
func (s *Server) PrepareInteraction(in Interaction) (*PreparedInteraction, error) {
	s.mu.Lock()
	st, payload, err := s.buildInteraction(in)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return &PreparedInteraction{st: st, payload: raw}, nil
}

// Dispatch sends a prepared interaction to the bot, once, as Interact does, and returns its
// id. The acknowledgement deadline runs from the dispatch.
func (s *Server) Dispatch(ctx context.Context, p *PreparedInteraction) (string, error) {
	if p.sent.Swap(true) {
		return "", errors.New("discordtest: PreparedInteraction dispatched twice")
	}
	st := p.st
	err := s.dispatch(func() error { return s.WaitReady(ctx) }, "INTERACTION_CREATE", p.payload, func() {
		st.dispatched = time.Now()
		s.interactions[st.id] = st
		s.byToken[st.token] = st
	})
	if err != nil {
		return "", err
	}
	return st.id, nil
}

// buildInteraction makes the INTERACTION_CREATE payload. s.mu must be held.
func (s *Server) buildInteraction(in Interaction) (*interaction, map[string]any, error) {
	st := &interaction{id: s.snowflake(), kind: in.Type, followMsgs: map[string]*message{}}
	st.token = base64.RawURLEncoding.EncodeToString([]byte("interaction:" + st.id + ":" + newSessionID() + newSessionID()))

	guildID, channelID := in.GuildID, in.ChannelID
	if guildID == "" && !in.DM {
		guildID = s.opts.GuildID
	}
	if channelID == "" {
		channelID = s.opts.ChannelID
	}
	if in.DM {
		guildID = ""
	}
	st.guildID, st.channelID = guildID, channelID
	m := DefaultMember
	if in.Member != nil {
		m = *in.Member
	}
	locale := in.Locale
	if locale == "" {
		locale = "en-US"
	}

	p := map[string]any{
		"id":             st.id,
		"application_id": s.opts.AppID,
		"type":           in.Type,
		"token":          st.token,
		"version":        1,
		"channel_id":     channelID,
		"locale":         locale,
		"app_permissions": strconv.FormatUint(
			DefaultPermissions|PermAttachFiles|PermEmbedLinks, 10),
		"entitlements":          []any{},
		"entitlement_sku_ids":   []any{},
		"attachment_size_limit": 10 << 20,
	}
	st.user = m
	if in.DM {
		p["user"] = userJSON(m.ID, m.Username, false)
		p["context"] = 1
		p["authorizing_integration_owners"] = map[string]any{"0": "0"}
		p["channel"] = map[string]any{"id": channelID, "type": 1, "flags": 0, "last_message_id": nil,
			"recipients": []any{userJSON(m.ID, m.Username, false)}}
	} else {
		p["guild_id"] = guildID
		p["guild_locale"] = "en-US"
		p["guild"] = map[string]any{"id": guildID, "locale": "en-US", "features": []any{}}
		p["context"] = 0
		p["authorizing_integration_owners"] = map[string]any{"0": guildID}
		p["member"] = memberJSON(m)
		p["channel"] = map[string]any{"id": channelID, "type": 0, "guild_id": guildID, "name": "general",
			"position": 0, "flags": 0, "nsfw": false, "parent_id": nil, "topic": nil, "last_message_id": nil,
			"rate_limit_per_user": 0, "permissions": strconv.FormatUint(m.Permissions, 10)}
	}

	switch in.Type {
	case InteractionCommand, InteractionAutocomplete:
		cmd, cmdGuild := s.findCommand(in.Name, guildID)
		if cmd == nil {
			return nil, nil, fmt.Errorf("%w: %q", ErrUnknownCommand, in.Name)
		}
		data := map[string]any{"id": cmd["id"], "name": in.Name, "type": 1}
		if cmdGuild != "" {
			data["guild_id"] = cmdGuild
		}
		if len(in.Options) > 0 {
			data["options"] = optionsJSON(in.Options)
		}
		if atts := map[string]any{}; collectAttachments(in.Options, atts) {
			data["resolved"] = map[string]any{"attachments": atts}
		}
		p["data"] = data
	case InteractionComponent:
		ct := in.ComponentType
		if ct == 0 {
			ct = 2
		}
		data := map[string]any{"custom_id": in.CustomID, "component_type": ct}
		if ct != 2 {
			data["values"] = append([]string{}, in.Values...)
		}
		p["data"] = data
		if in.MessageOf != "" {
			prev := s.interactions[in.MessageOf]
			if prev == nil || prev.original == nil || prev.original.deleted {
				return nil, nil, fmt.Errorf("%w: %s has no response message to click on", ErrUnknownInteraction, in.MessageOf)
			}
			st.source = prev.original
		} else {
			row := map[string]any{"type": 1, "components": []any{
				map[string]any{"type": 2, "style": 1, "label": "button", "custom_id": in.CustomID}}}
			comps, _ := json.Marshal([]any{row})
			st.source = &message{id: s.snowflake(), channelID: channelID, msgType: 0, created: time.Now(),
				fields: map[string]json.RawMessage{"components": comps}}
		}
		p["message"] = s.messageJSON(st.source)
	default:
		return nil, nil, fmt.Errorf("discordtest: interaction type %d not supported", in.Type)
	}
	return st, p, nil
}

// findCommand finds a registered CHAT_INPUT command, guild commands first. s.mu must be held.
func (s *Server) findCommand(name, guildID string) (map[string]any, string) {
	scopes := []string{""}
	if guildID != "" {
		scopes = []string{guildID, ""}
	}
	for _, g := range scopes {
		for _, c := range s.commands[g] {
			if c["name"] == name && c["type"] == 1 {
				return c, g
			}
		}
	}
	return nil, ""
}

func optionsJSON(opts []Option) []any {
	out := make([]any, 0, len(opts))
	for _, o := range opts {
		m := map[string]any{"name": o.Name, "type": o.Type}
		switch o.Type {
		case OptionSubcommand, OptionSubcommandGroup:
			if len(o.Options) > 0 {
				m["options"] = optionsJSON(o.Options)
			}
		default:
			m["value"] = o.Value
		}
		if o.Focused {
			m["focused"] = true
		}
		out = append(out, m)
	}
	return out
}

// collectAttachments fills dst with the resolved attachment objects the options refer to.
func collectAttachments(opts []Option, dst map[string]any) bool {
	for _, o := range opts {
		if o.Attachment != nil {
			dst[o.Attachment.ID] = o.Attachment.json()
		}
		collectAttachments(o.Options, dst)
	}
	return len(dst) > 0
}

func userJSON(id, username string, bot bool) map[string]any {
	u := map[string]any{
		"id": id, "username": username, "discriminator": "0", "global_name": nil,
		"avatar": nil, "public_flags": 0, "avatar_decoration_data": nil,
	}
	if bot {
		u["bot"] = true
	}
	return u
}

func memberJSON(m Member) map[string]any {
	roles := append([]string{}, m.Roles...)
	return map[string]any{
		"user":                         userJSON(m.ID, m.Username, false),
		"roles":                        roles,
		"permissions":                  strconv.FormatUint(m.Permissions, 10),
		"joined_at":                    "2024-01-01T00:00:00.000000+00:00",
		"nick":                         nil,
		"avatar":                       nil,
		"banner":                       nil,
		"premium_since":                nil,
		"communication_disabled_until": nil,
		"deaf":                         false,
		"mute":                         false,
		"pending":                      false,
		"flags":                        0,
	}
}

func (s *Server) botUser() map[string]any {
	u := userJSON(s.opts.BotUserID, s.opts.BotUsername, true)
	u["verified"] = true
	u["mfa_enabled"] = false
	u["flags"] = 0
	u["email"] = nil
	return u
}

// messageJSON renders a message object as Discord returns it. s.mu must be held.
func (s *Server) messageJSON(m *message) map[string]any {
	out := map[string]any{
		"id":               m.id,
		"channel_id":       m.channelID,
		"type":             m.msgType,
		"content":          "",
		"embeds":           []any{},
		"components":       []any{},
		"attachments":      []any{},
		"mentions":         []any{},
		"mention_roles":    []any{},
		"mention_everyone": false,
		"pinned":           false,
		"tts":              false,
		"flags":            0,
		"timestamp":        m.created.UTC().Format(time.RFC3339Nano),
		"edited_timestamp": nil,
		"author":           s.botUser(),
	}
	if m.msgType != 0 {
		out["webhook_id"] = s.opts.AppID
		out["application_id"] = s.opts.AppID
	}
	if m.edited != nil {
		out["edited_timestamp"] = m.edited.UTC().Format(time.RFC3339Nano)
	}
	for k, v := range m.fields {
		if string(v) == "null" {
			continue // absent: keep the default
		}
		out[k] = v
	}
	return out
}

// Original returns the current state of the message an interaction's response created or
// updated (content, embeds, components, flags…, with edits applied), as Discord would return
// it; false if there is none (no response yet, autocomplete, modal, deleted).
func (s *Server) Original(interactionID string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.interactions[interactionID]
	if st == nil || st.original == nil || st.original.deleted {
		return nil, false
	}
	b, _ := json.Marshal(s.messageJSON(st.original))
	return b, true
}

// WaitResponse waits for the bot's callback to the interaction and returns it.
// It returns ErrUnknownInteraction for an id Interact never returned, ctx.Err() or ErrClosed.
func (s *Server) WaitResponse(ctx context.Context, interactionID string) (Response, error) {
	var r Response
	err := s.waitInteraction(ctx, interactionID, func(st *interaction) bool {
		if st.response == nil {
			return false
		}
		r = *st.response
		return true
	})
	return r, err
}

// WaitEdit waits until the bot has edited the interaction's original message (PATCH
// @original) and returns the body of the latest edit.
func (s *Server) WaitEdit(ctx context.Context, interactionID string) (json.RawMessage, error) {
	var b json.RawMessage
	err := s.waitInteraction(ctx, interactionID, func(st *interaction) bool {
		if len(st.edits) == 0 {
			return false
		}
		b = st.edits[len(st.edits)-1]
		return true
	})
	return b, err
}

// Followups returns the bodies of the follow-up messages the bot sent for the interaction.
func (s *Server) Followups(interactionID string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.interactions[interactionID]; st != nil {
		return append([]json.RawMessage(nil), st.followups...)
	}
	return nil
}

// WaitFollowups waits until the bot has sent at least n follow-ups and returns them all.
func (s *Server) WaitFollowups(ctx context.Context, interactionID string, n int) ([]json.RawMessage, error) {
	var out []json.RawMessage
	err := s.waitInteraction(ctx, interactionID, func(st *interaction) bool {
		if len(st.followups) < n {
			return false
		}
		out = append([]json.RawMessage(nil), st.followups...)
		return true
	})
	return out, err
}

func (s *Server) waitInteraction(ctx context.Context, id string, cond func(*interaction) bool) error {
	var unknown bool
	err := s.wait(ctx, func() bool {
		st := s.interactions[id]
		if st == nil {
			unknown = true
			return true
		}
		return cond(st)
	})
	if err == nil && unknown {
		return fmt.Errorf("%w: %s", ErrUnknownInteraction, id)
	}
	return err
}
