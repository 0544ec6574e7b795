package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fieldError is one entry of a 50035 Invalid Form Body answer.
type fieldError struct {
	path string // dot-separated, e.g. "data.embeds.0.title"; "" for the root
	code string
	msg  string
}

// formErrors are a 50035 answer's errors, rendered by tree in Discord's nested shape:
// {"data": {"content": {"_errors": [{"code": "...", "message": "..."}]}}}.
type formErrors []fieldError

func (fe *formErrors) add(path, code, msg string) {
	*fe = append(*fe, fieldError{path: path, code: code, msg: msg})
}

// merge adds other's errors under prefix.
func (fe *formErrors) merge(prefix string, other formErrors) {
	for _, e := range other {
		p := prefix
		if e.path != "" {
			p = join(prefix, e.path)
		}
		fe.add(p, e.code, e.msg)
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func (fe formErrors) tree() map[string]any {
	root := map[string]any{}
	for _, e := range fe {
		node := root
		if e.path != "" {
			for _, k := range strings.Split(e.path, ".") {
				next, ok := node[k].(map[string]any)
				if !ok {
					next = map[string]any{}
					node[k] = next
				}
				node = next
			}
		}
		list, _ := node["_errors"].([]any)
		node["_errors"] = append(list, map[string]any{"code": e.code, "message": e.msg})
	}
	return root
}

func formError(path, code, msg string) *apiError {
	return &apiError{status: 400, code: 50035, message: "Invalid Form Body", errs: formErrors{{path, code, msg}}}
}

func invalidForm(fe formErrors) *apiError {
	if len(fe) == 0 {
		return nil
	}
	return &apiError{status: 400, code: 50035, message: "Invalid Form Body", errs: fe}
}

func maxLen(fe *formErrors, path, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		fe.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", max))
	}
}

func lenBetween(fe *formErrors, path, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	if n == 0 && min > 0 {
		fe.add(path, "BASE_TYPE_REQUIRED", "This field is required")
	} else if n < min || n > max {
		fe.add(path, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between %d and %d in length.", min, max))
	}
}

// ---- commands ----

type cmdOption struct {
	Type         int          `json:"type"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	Required     bool         `json:"required"`
	Autocomplete bool         `json:"autocomplete"`
	Choices      []cmdChoice  `json:"choices"`
	Options      []cmdOption  `json:"options"`
	MinLength    *json.Number `json:"min_length"`
	MaxLength    *json.Number `json:"max_length"`
}

type cmdChoice struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// chatInputName is Discord's rule for CHAT_INPUT command and option names (which must
// also be lower case where the script has case).
var chatInputName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

func checkChatInputName(fe *formErrors, path, name string) {
	if !chatInputName.MatchString(name) || strings.ToLower(name) != name {
		fe.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

// validateCommand checks the limits Discord enforces when a command is registered.
func validateCommand(raw json.RawMessage) formErrors {
	var c struct {
		Type                     int             `json:"type"`
		Name                     string          `json:"name"`
		Description              string          `json:"description"`
		Options                  []cmdOption     `json:"options"`
		DefaultMemberPermissions json.RawMessage `json:"default_member_permissions"`
		Contexts                 []int           `json:"contexts"`
	}
	var fe formErrors
	if err := json.Unmarshal(raw, &c); err != nil {
		fe.add("", "MODEL_TYPE_CONVERT", "Invalid application command: "+err.Error())
		return fe
	}
	if p := c.DefaultMemberPermissions; len(p) > 0 && string(p) != "null" {
		var s string
		if json.Unmarshal(p, &s) != nil {
			fe.add("default_member_permissions", "BASE_TYPE_BAD_INT", "Value is not int.")
		} else if _, err := strconv.ParseUint(s, 10, 64); err != nil {
			fe.add("default_member_permissions", "BASE_TYPE_BAD_INT", "Value \""+s+"\" is not int.")
		}
	}
	for i, x := range c.Contexts {
		if x < 0 || x > 2 { // GUILD, BOT_DM, PRIVATE_CHANNEL
			fe.add(fmt.Sprintf("contexts.%d", i), "BASE_TYPE_CHOICES", "Value must be one of {0, 1, 2}.")
		}
	}
	switch c.Type {
	case 0, 1:
		checkChatInputName(&fe, "name", c.Name)
		lenBetween(&fe, "description", c.Description, 1, 100)
		validateOptions(&fe, "options", c.Options, 0)
	case 2, 3:
		lenBetween(&fe, "name", c.Name, 1, 32)
		if c.Description != "" {
			fe.add("description", "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have description")
		}
		if len(c.Options) > 0 {
			fe.add("options", "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS", "Context menu commands cannot have options")
		}
	default:
		fe.add("type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
	}
	return fe
}

// validateOptions checks a level of command options; depth 0 is the command itself.
func validateOptions(fe *formErrors, path string, opts []cmdOption, depth int) {
	if len(opts) > 25 {
		fe.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	seen := map[string]bool{}
	optional, subs, values := false, 0, 0
	for i, o := range opts {
		p := join(path, strconv.Itoa(i))
		checkChatInputName(fe, p+".name", o.Name)
		lenBetween(fe, p+".description", o.Description, 1, 100)
		if seen[o.Name] {
			fe.add(p+".name", "APPLICATION_COMMAND_OPTION_NAME_NOT_UNIQUE", "Option name "+o.Name+" is already used in these options")
		}
		seen[o.Name] = true
		switch o.Type {
		case OptionSubcommandGroup:
			subs++
			if depth > 0 {
				fe.add(p+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommand groups can only be nested in a command")
			}
			for j, sub := range o.Options {
				if sub.Type != OptionSubcommand {
					fe.add(fmt.Sprintf("%s.options.%d.type", p, j), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommand groups may only contain subcommands")
				}
			}
			validateOptions(fe, p+".options", o.Options, depth+1)
		case OptionSubcommand:
			subs++
			if depth > 1 {
				fe.add(p+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands cannot be nested this deep")
			}
			validateOptions(fe, p+".options", o.Options, 2)
		case 3, 4, 5, 6, 7, 8, 9, 10, 11:
			values++
			if len(o.Options) > 0 {
				fe.add(p+".options", "APPLICATION_COMMAND_OPTION_OPTIONS_INVALID", "Only subcommands and groups can have options")
			}
			if o.Required && optional {
				fe.add(p+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
			}
			if !o.Required {
				optional = true
			}
		default:
			fe.add(p+".type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
		}
		if len(o.Choices) > 0 {
			if o.Type != OptionString && o.Type != OptionInteger && o.Type != 10 {
				fe.add(p+".choices", "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Choices are only allowed for string, integer and number options")
			}
			if o.Autocomplete {
				fe.add(p+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete cannot be set with choices")
			}
			validateChoices(fe, p+".choices", o.Choices)
		}
		if o.Autocomplete && o.Type != OptionString && o.Type != OptionInteger && o.Type != 10 {
			fe.add(p+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete can only be enabled for string, integer and number options")
		}
		for _, b := range []struct {
			name string
			v    *json.Number
		}{{"min_length", o.MinLength}, {"max_length", o.MaxLength}} {
			if b.v == nil {
				continue
			}
			n, err := b.v.Int64()
			if err != nil || n < 0 || n > 6000 {
				fe.add(p+"."+b.name, "NUMBER_TYPE_MAX", "int value should be between 0 and 6000.")
			}
		}
	}
	if subs > 0 && values > 0 {
		fe.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types")
	}
}

func validateChoices(fe *formErrors, path string, choices []cmdChoice) {
	if len(choices) > 25 {
		fe.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	for i, c := range choices {
		p := join(path, strconv.Itoa(i))
		lenBetween(fe, p+".name", c.Name, 1, 100)
		if len(c.Value) == 0 || string(c.Value) == "null" {
			fe.add(p+".value", "BASE_TYPE_REQUIRED", "This field is required")
			continue
		}
		var s string
		if json.Unmarshal(c.Value, &s) == nil {
			lenBetween(fe, p+".value", s, 1, 100)
		}
	}
}

// ---- interaction callbacks and messages ----

var allowedCallbacks = map[int][]int{
	InteractionCommand:      {ResponseChannelMessage, ResponseDeferredChannelMessage, ResponseModal},
	InteractionComponent:    {ResponseChannelMessage, ResponseDeferredChannelMessage, ResponseDeferredUpdateMessage, ResponseUpdateMessage, ResponseModal},
	InteractionAutocomplete: {ResponseAutocompleteResult},
}

// validateCallback checks an interaction callback's type against the interaction's type and
// its data against Discord's limits.
func validateCallback(kind, typ int, data json.RawMessage, nFiles int) *apiError {
	allowed := allowedCallbacks[kind]
	ok := false
	for _, a := range allowed {
		ok = ok || a == typ
	}
	if !ok {
		return formError("type", "INTERACTION_RESPONSE_TYPE_INVALID",
			fmt.Sprintf("Interaction callback type %d is not valid for interaction type %d (allowed: %v).", typ, kind, allowed))
	}
	switch typ {
	case ResponseChannelMessage:
		if e := validateMessage(data, true, nFiles, true); e != nil {
			return e.under("data")
		}
	case ResponseUpdateMessage:
		if e := validateMessage(data, false, nFiles, true); e != nil {
			return e.under("data")
		}
	case ResponseDeferredChannelMessage, ResponseDeferredUpdateMessage:
		if e := validateMessage(data, false, 0, true); e != nil {
			return e.under("data")
		}
	case ResponseAutocompleteResult:
		var d struct {
			Choices []cmdChoice `json:"choices"`
		}
		if err := json.Unmarshal(orNull(data), &d); err != nil {
			return formError("data", "MODEL_TYPE_CONVERT", err.Error())
		}
		var fe formErrors
		validateChoices(&fe, "data.choices", d.Choices)
		return invalidForm(fe)
	case ResponseModal:
		var d struct {
			CustomID   string            `json:"custom_id"`
			Title      string            `json:"title"`
			Components []json.RawMessage `json:"components"`
		}
		if err := json.Unmarshal(orNull(data), &d); err != nil {
			return formError("data", "MODEL_TYPE_CONVERT", err.Error())
		}
		var fe formErrors
		lenBetween(&fe, "data.custom_id", d.CustomID, 1, 100)
		lenBetween(&fe, "data.title", d.Title, 1, 45)
		if len(d.Components) < 1 || len(d.Components) > 5 {
			fe.add("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		}
		return invalidForm(fe)
	}
	return nil
}

// under moves a 50035 error's paths below prefix; other errors are returned unchanged.
func (e *apiError) under(prefix string) *apiError {
	if len(e.errs) == 0 {
		return e
	}
	var fe formErrors
	fe.merge(prefix, e.errs)
	return &apiError{status: e.status, code: e.code, message: e.message, errs: fe}
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

type embedIn struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Fields      []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	Footer *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
}

type componentIn struct {
	Type       int               `json:"type"`
	Style      int               `json:"style"`
	CustomID   string            `json:"custom_id"`
	Label      string            `json:"label"`
	URL        string            `json:"url"`
	Components []componentIn     `json:"components"`
	Options    []json.RawMessage `json:"options"`
}

// Message flags an interaction response may set: SUPPRESS_EMBEDS, EPHEMERAL,
// SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2.
const (
	flagComponentsV2      = 1 << 15
	allowedCallbackFlags  = 1<<2 | 1<<6 | 1<<12 | flagComponentsV2
	maxEmbedTotal         = 6000
	maxContent            = 2000
	maxEmbeds             = 10
	maxActionRows         = 5
	maxComponentsInRow    = 5
	maxCustomID           = 100
	maxButtonLabel        = 80
	maxSelectMenuOptions  = 25
	componentActionRow    = 1
	componentButton       = 2
	buttonStyleLink       = 5
	buttonStylePremium    = 6
	componentStringSelect = 3
)

// validateMessage checks message data (a callback's data, a follow-up, an edit) against
// Discord's limits. requireContent rejects a message with nothing to show (50006).
func validateMessage(data json.RawMessage, requireContent bool, nFiles int, callback bool) *apiError {
	var m struct {
		Content         string            `json:"content"`
		Embeds          []embedIn         `json:"embeds"`
		Components      []componentIn     `json:"components"`
		Flags           uint64            `json:"flags"`
		Attachments     []json.RawMessage `json:"attachments"`
		Poll            json.RawMessage   `json:"poll"`
		StickerIDs      []string          `json:"sticker_ids"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
			Users []string `json:"users"`
			Roles []string `json:"roles"`
		} `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(orNull(data), &m); err != nil {
		return formError("", "MODEL_TYPE_CONVERT", err.Error())
	}
	var fe formErrors
	maxLen(&fe, "content", m.Content, maxContent)

	if len(m.Embeds) > maxEmbeds {
		fe.add("embeds", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds))
	}
	total := 0
	count := func(s string) int { return utf8.RuneCountInString(s) }
	for i, e := range m.Embeds {
		p := "embeds." + strconv.Itoa(i)
		maxLen(&fe, p+".title", e.Title, 256)
		maxLen(&fe, p+".description", e.Description, 4096)
		total += count(e.Title) + count(e.Description)
		if len(e.Fields) > 25 {
			fe.add(p+".fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
		for j, f := range e.Fields {
			fp := fmt.Sprintf("%s.fields.%d", p, j)
			lenBetween(&fe, fp+".name", f.Name, 1, 256)
			lenBetween(&fe, fp+".value", f.Value, 1, 1024)
			total += count(f.Name) + count(f.Value)
		}
		if e.Footer != nil {
			maxLen(&fe, p+".footer.text", e.Footer.Text, 2048)
			total += count(e.Footer.Text)
		}
		if e.Author != nil {
			maxLen(&fe, p+".author.name", e.Author.Name, 256)
			total += count(e.Author.Name)
		}
	}
	if total > maxEmbedTotal {
		fe.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}

	if m.Flags&flagComponentsV2 == 0 {
		validateComponents(&fe, m.Components)
	}
	if callback && m.Flags&^allowedCallbackFlags != 0 {
		fe.add("flags", "MESSAGE_FLAGS_INVALID", "Only SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS and IS_COMPONENTS_V2 can be set")
	}
	if am := m.AllowedMentions; am != nil {
		for i, p := range am.Parse {
			if p != "users" && p != "roles" && p != "everyone" {
				fe.add(fmt.Sprintf("allowed_mentions.parse.%d", i), "BASE_TYPE_CHOICES", "Value must be one of ('roles', 'users', 'everyone').")
			}
			if (p == "users" && len(am.Users) > 0) || (p == "roles" && len(am.Roles) > 0) {
				fe.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:["+p+"] and "+p+": [ids...] are mutually exclusive.")
			}
		}
	}
	if e := invalidForm(fe); e != nil {
		return e
	}
	if requireContent && m.Content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 &&
		len(m.Attachments) == 0 && nFiles == 0 && len(m.StickerIDs) == 0 && len(orNull(m.Poll)) <= 4 {
		return errEmptyMessage
	}
	return nil
}

func validateComponents(fe *formErrors, rows []componentIn) {
	if len(rows) > maxActionRows {
		fe.add("components", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxActionRows))
	}
	ids := map[string]bool{}
	for i, row := range rows {
		p := "components." + strconv.Itoa(i)
		if row.Type != componentActionRow {
			fe.add(p+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
			continue
		}
		if len(row.Components) < 1 || len(row.Components) > maxComponentsInRow {
			fe.add(p+".components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		}
		selects := 0
		for j, c := range row.Components {
			cp := fmt.Sprintf("%s.components.%d", p, j)
			switch {
			case c.Type == componentButton:
				maxLen(fe, cp+".label", c.Label, maxButtonLabel)
				switch c.Style {
				case buttonStyleLink:
					if c.URL == "" {
						fe.add(cp+".url", "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
					}
					if c.CustomID != "" {
						fe.add(cp+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id cannot be specified")
					}
					continue
				case buttonStylePremium:
					continue
				case 1, 2, 3, 4:
				default:
					fe.add(cp+".style", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
				}
			case c.Type >= componentStringSelect && c.Type <= 8 && c.Type != 4:
				selects++
				if c.Type == componentStringSelect && (len(c.Options) < 1 || len(c.Options) > maxSelectMenuOptions) {
					fe.add(cp+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
				}
			default:
				fe.add(cp+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).")
				continue
			}
			lenBetween(fe, cp+".custom_id", c.CustomID, 1, maxCustomID)
			if c.CustomID != "" && ids[c.CustomID] {
				fe.add(cp+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
			}
			ids[c.CustomID] = true
		}
		if selects > 0 && len(row.Components) > 1 {
			fe.add(p+".components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		}
	}
}
