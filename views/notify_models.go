package views

// NotificationRow is one notification on /notifications.
type NotificationRow struct {
	ID, Kind, Title, Body, Link, Created string
	Read                                 bool
}

// NotificationsView is the /notifications page: a page of items, newest first.
type NotificationsView struct {
	Items      []NotificationRow
	Total      int
	Unread     int
	UnreadOnly bool
	Next       string // query string of the next page, or ""
	Problems   []DeliveryProblemRow
	ShowIssues bool // HR and admin: e-mail that could not be delivered
}

// DeliveryProblemRow is a person whose address the mail server refused.
type DeliveryProblemRow struct {
	Name, Email, Reason, Time string
}

// NotifyKindRow is one kind on the settings page: Mode is immediate, digest or off. Fixed
// kinds always come at once; Daily kinds come with the morning reminder or not at all.
type NotifyKindRow struct {
	Kind, Label, Mode string
	Fixed, Daily      bool
}

// NotifySettingsView is /settings/notifications.
type NotifySettingsView struct {
	Kinds       []NotifyKindRow
	TimeZone    string
	DateFormat  string
	DateFormats []Option
	CalendarURL string
	Error       string
	// Fields are the messages per field (time_zone, date_format) after a refusal.
	Fields map[string]string
	Saved  bool
}

// MailRow is one e-mail in the demo mailbox.
type MailRow struct {
	To, Subject, Text, Created, Status, Reason string
}
