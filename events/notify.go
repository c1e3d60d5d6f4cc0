package events

import (
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Notify events. The notify service records what it tells people on the NOTIFY stream:
// everything about one recipient — a notification (an inbox item, an e-mail queued for
// them, or both), items read, settings, the calendar feed's token hash, a refused address —
// has the person id as subject (entity "person"), so one recipient's history is
// RecordFilter("notify", "person", id); an e-mail's delivery (entity "mail") has the mail
// id as subject.

// NotifyService is the notify service's request-reply name.
const NotifyService = "notify"

// Notification kinds: what a notification is about. People choose per kind whether it
// also reaches them by e-mail (links and invitations always do).
const (
	KindInvite            = "invite"               // the set-password link (cannot be switched off)
	KindPlanCreated       = "plan_created"         // a hire's onboarding plan exists
	KindTaskAssigned      = "task_assigned"        // a task was assigned or reassigned to me or my queue
	KindTaskDue           = "task_due"             // reminder ladder of an onboarding task
	KindTrainingAssigned  = "training_assigned"    // a module was assigned to me
	KindTrainingDue       = "training_due"         // reminder ladder of an assigned module
	KindModulePassed      = "module_passed"        // someone I lead passed a module
	KindMentorshipUpdates = "mentorship_updates"   // proposed, accepted, declined, ended
	KindPlanCompleted     = "plan_completed"       // a hire I lead (or any, for HR) finished onboarding
	KindCertExpiry        = "certification_expiry" // a certification expires in 90, 60, 30 days or has expired
	KindCheckinSilence    = "checkin_silence"      // no mentorship check-in for 14 days
)

// NotifyKinds lists the kinds in display order.
var NotifyKinds = []string{KindInvite, KindPlanCreated, KindTaskAssigned, KindTaskDue, KindTrainingAssigned,
	KindTrainingDue, KindModulePassed, KindMentorshipUpdates, KindPlanCompleted, KindCertExpiry, KindCheckinSilence}

// DigestKinds reach people by e-mail in their daily digest unless they choose otherwise;
// the other kinds are e-mailed at once unless they choose the digest.
var DigestKinds = []string{KindTaskAssigned, KindModulePassed, KindPlanCompleted}

// IsNotifyKind reports whether k is a notification kind.
func IsNotifyKind(k string) bool {
	for _, x := range NotifyKinds {
		if x == k {
			return true
		}
	}
	return false
}

// NotifyItem is an inbox entry as recorded.
type NotifyItem struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	Link  string `json:"link,omitempty"` // a path in the web app
}

// NotifyMail is an e-mail queued for sending, fully rendered.
type NotifyMail struct {
	ID        string `json:"id"` // also the subject of its delivery events
	To        string `json:"to"`
	Subject   string `json:"subject"`
	Text      string `json:"text"`
	HTML      string `json:"html"`
	MessageID string `json:"message_id"`
}

// Notified: the notify service told a person something (notify.person.notified v1).
// Subject: the person id. Key names the cause (a source event and recipient, or a reminder
// rung of an item and due date) so it is recorded once.
type Notified struct {
	Key  string      `json:"key"`
	Item *NotifyItem `json:"item,omitempty"`
	Mail *NotifyMail `json:"mail,omitempty"`
	// DigestThrough, on a daily digest, is the creation time of the newest item it lists.
	DigestThrough time.Time `json:"digest_through,omitzero"`
}

func (Notified) EventType() string { return "notify.person.notified" }
func (Notified) EventVersion() int { return 1 }
func (e Notified) Validate() error {
	p := map[string]string{}
	if e.Key == "" || len(e.Key) > 500 {
		p["key"] = "is required"
	}
	if e.Item == nil && e.Mail == nil {
		p["item"] = "an item or a mail is required"
	}
	if e.Item != nil {
		if !IsID(e.Item.ID) {
			p["item.id"] = "must be a UUID"
		}
		if !IsNotifyKind(e.Item.Kind) {
			p["item.kind"] = "unknown kind"
		}
		if strings.TrimSpace(e.Item.Title) == "" {
			p["item.title"] = "is required"
		}
	}
	if e.Mail != nil {
		if !IsID(e.Mail.ID) {
			p["mail.id"] = "must be a UUID"
		}
		if _, err := mail.ParseAddress(e.Mail.To); err != nil {
			p["mail.to"] = "must be an e-mail address"
		}
		if e.Mail.Subject == "" || e.Mail.Text == "" || e.Mail.HTML == "" || e.Mail.MessageID == "" {
			p["mail"] = "subject, text, html and message_id are required"
		}
	}
	return invalid(p)
}

// NotificationsRead: the person marked items read (notify.person.read v1); All marks every
// item created up to Before.
type NotificationsRead struct {
	Items  []string  `json:"items,omitempty"`
	All    bool      `json:"all,omitempty"`
	Before time.Time `json:"before,omitzero"`
}

func (NotificationsRead) EventType() string { return "notify.person.read" }
func (NotificationsRead) EventVersion() int { return 1 }
func (e NotificationsRead) Validate() error {
	if !e.All && len(e.Items) == 0 {
		return invalid(map[string]string{"items": "name items or all"})
	}
	return nil
}

// Delivery choices for a kind's e-mail.
const (
	EmailImmediate = "immediate"
	EmailDigest    = "digest" // in the daily digest
	EmailOff       = "off"
)

// NotifySettingsChanged: the person changed their notification settings
// (notify.person.settings_changed v1). Email maps kinds to EmailImmediate, EmailDigest or
// EmailOff;
// TimeZone is an IANA name ("" = the organisation's default).
type NotifySettingsChanged struct {
	TimeZone   string            `json:"time_zone,omitempty"`
	Email      map[string]string `json:"email,omitempty"`
	DateFormat string            `json:"date_format,omitempty"` // one of DateFormats; "" = DateFormatGB
}

// How a person reads dates on the pages (NotifySettings.DateFormat).
const (
	DateFormatGB  = "en-GB" // Thu 3 Dec 2026, 14:05 (the default)
	DateFormatUS  = "en-US" // Thu, Dec 3, 2026, 2:05 PM
	DateFormatISO = "iso"   // 2026-12-03 14:05
)

// DateFormats are the choices, the default first.
var DateFormats = []string{DateFormatGB, DateFormatUS, DateFormatISO}

func (NotifySettingsChanged) EventType() string { return "notify.person.settings_changed" }
func (NotifySettingsChanged) EventVersion() int { return 1 }
func (e NotifySettingsChanged) Validate() error {
	p := map[string]string{}
	if e.DateFormat != "" && !slices.Contains(DateFormats, e.DateFormat) {
		p["date_format"] = "unknown date format"
	}
	if e.TimeZone != "" {
		if _, err := time.LoadLocation(e.TimeZone); err != nil {
			p["time_zone"] = "unknown time zone"
		}
	}
	for k, v := range e.Email {
		if !IsNotifyKind(k) {
			p["email."+k] = "unknown kind"
		} else if v != EmailImmediate && v != EmailDigest && v != EmailOff {
			p["email."+k] = "must be immediate, digest or off"
		}
	}
	return invalid(p)
}

// CalendarReset: the person's calendar feed got a new secret URL
// (notify.person.calendar_reset v1). Only the SHA-256 of the token travels; Generation
// counts the person's feed URLs (the token is derived from it with the service's key).
type CalendarReset struct {
	TokenHash  string `json:"token_hash"`
	Generation int    `json:"generation"`
}

func (CalendarReset) EventType() string { return "notify.person.calendar_reset" }
func (CalendarReset) EventVersion() int { return 1 }
func (e CalendarReset) Validate() error {
	if len(e.TokenHash) != 64 {
		return invalid(map[string]string{"token_hash": "must be a hex SHA-256"})
	}
	return nil
}

// MailSent: the mail server accepted a queued e-mail (notify.mail.sent v1). Subject: the
// mail id. Transport is "smtp", or "mailbox" when no mail server is configured and the
// message was only kept in the process's mailbox.
type MailSent struct {
	Person    string `json:"person"`
	Attempts  int    `json:"attempts"`
	Transport string `json:"transport"`
}

func (MailSent) EventType() string { return "notify.mail.sent" }
func (MailSent) EventVersion() int { return 1 }
func (e MailSent) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Person) {
		p["person"] = "is required"
	}
	if e.Transport != "smtp" && e.Transport != "mailbox" {
		p["transport"] = "must be smtp or mailbox"
	}
	return invalid(p)
}

// MailFailed: a queued e-mail was given up (notify.mail.failed v1): the server refused the
// address (Permanent, a 5xx answer) or every attempt failed.
type MailFailed struct {
	Person    string `json:"person"`
	Reason    string `json:"reason"`
	Attempts  int    `json:"attempts"`
	Permanent bool   `json:"permanent,omitempty"`
}

func (MailFailed) EventType() string { return "notify.mail.failed" }
func (MailFailed) EventVersion() int { return 1 }
func (e MailFailed) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Person) {
		p["person"] = "is required"
	}
	if strings.TrimSpace(e.Reason) == "" {
		p["reason"] = "is required"
	}
	return invalid(p)
}

// LinkMailRequested: identity issued a set-password link and asks notify to e-mail it to
// the person (notify.link.requested v1). Subject: the person id. It is the only event that
// carries a link's secret; identity publishes it on the NOTIFY stream only, which nobody
// but the notify service reads.
type LinkMailRequested struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Reissue   bool      `json:"reissue,omitempty"`
}

func (LinkMailRequested) EventType() string { return "notify.link.requested" }
func (LinkMailRequested) EventVersion() int { return 1 }
func (e LinkMailRequested) Validate() error {
	p := map[string]string{}
	if len(e.Token) < 32 {
		p["token"] = "is required"
	}
	if e.ExpiresAt.IsZero() {
		p["expires_at"] = "is required"
	}
	return invalid(p)
}

// Notify operations (service "notify").
const (
	OpNotifications     = "notifications.list" // NotificationsRequest → NotificationsReply
	OpNotificationRead  = "notifications.read" // NotificationReadRequest → {}
	OpNotifySettings    = "settings.get"       // → NotifySettings
	OpNotifySettingsPut = "settings.put"       // NotifySettings → NotifySettings
	OpCalendarURL       = "calendar.url"       // CalendarRequest → CalendarReply
	OpCalendarFeed      = "calendar.feed"      // CalendarFeedRequest → CalendarFeedReply (no caller)
	OpCalendarItem      = "calendar.item"      // CalendarItemRequest → CalendarFeedReply (one task or module)
	OpMailbox           = "mailbox"            // → MailboxReply (admins, when the mailbox is on)
	OpDeliveryProblems  = "delivery.problems"  // → DeliveryProblemsReply (HR and admin)
)

// NotificationsRequest asks for a page of the caller's notifications, newest first.
type NotificationsRequest struct {
	Unread bool   `json:"unread,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// NotificationView is one item as the API shows it.
type NotificationView struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Body    string `json:"body"`
	Link    string `json:"link"`
	Created string `json:"created"` // RFC 3339
	Read    bool   `json:"read"`
}

type NotificationsReply struct {
	Items  []NotificationView `json:"items"`
	Total  int                `json:"total"`
	Next   string             `json:"next"`
	Unread int                `json:"unread"`
}

// NotificationReadRequest marks one item (ID) or all items read.
type NotificationReadRequest struct {
	ID  string `json:"id,omitempty"`
	All bool   `json:"all,omitempty"`
}

// NotifySettings are a person's choices; Email has every kind. Fixed lists the kinds
// whose e-mail cannot be switched off.
type NotifySettings struct {
	TimeZone   string            `json:"time_zone"`
	DateFormat string            `json:"date_format"` // one of DateFormats ("" when saving: the default)
	Email      map[string]string `json:"email"`
	Fixed      []string          `json:"fixed,omitempty"`
	// Daily are the kinds whose e-mail comes once a day with the morning reminder, or
	// never: for them "at once" and "in the daily digest" are the same.
	Daily []string `json:"daily,omitempty"`
}

// CalendarRequest asks for the caller's feed URL; Reset issues a new one.
type CalendarRequest struct {
	Reset bool `json:"reset,omitempty"`
}

type CalendarReply struct {
	Token string `json:"token"` // the web turns it into the full URL
}

type CalendarFeedRequest struct {
	Token string `json:"token"`
}

// CalendarItemRequest names one item: task:<plan>:<task> or training:<person>:<module>.
type CalendarItemRequest struct {
	Key string `json:"key"`
}

type CalendarFeedReply struct {
	ICS string `json:"ics"`
}

// MailView is a queued e-mail as the mailbox page shows it.
type MailView struct {
	ID      string `json:"id"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	Created string `json:"created"`
	Status  string `json:"status"` // queued, sent, kept (mailbox), failed
	Reason  string `json:"reason,omitempty"`
}

type MailboxReply struct {
	Items []MailView `json:"items"`
}

// DeliveryProblem is a person whose address the mail server refused.
type DeliveryProblem struct {
	Person string `json:"person"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Time   string `json:"time"`
}

type DeliveryProblemsReply struct {
	Items []DeliveryProblem `json:"items"`
}
