package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/notifyapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// Notification pages and API: the inbox, the bell, settings, the calendar feed and the
// demo mailbox. Every call goes to the notify service with the viewer's token; it answers
// only with the viewer's own notifications.

func (m *Main) notifyPages() []route {
	return []route{
		{"GET /notifications", m.page(m.notificationsPage)},
		{"GET /notifications/bell", m.page(m.bell)},
		{"POST /notifications/read-all", m.page(m.readAllForm)},
		{"POST /notifications/{id}/read", m.page(m.readForm)},
		{"GET /settings/notifications", m.page(m.notifySettingsPage)},
		{"POST /settings/notifications", m.page(m.notifySettingsForm)},
		{"POST /settings/calendar/reset", m.page(m.calendarResetForm)},
		{"GET /admin/mail", m.page(m.mailboxPage)},
		{"GET /calendar/{file}", http.HandlerFunc(m.calendarFeed)},
		{"GET /calendar/items/{file}", m.page(m.calendarItem)},
	}
}

func (m *Main) notifyAPI() []route {
	return []route{
		{"GET /api/v1/me/notifications", m.api(m.apiNotifications)},
		{"POST /api/v1/me/notifications/read-all", m.api(m.apiReadAll)},
		{"POST /api/v1/me/notifications/{id}/read", m.api(m.apiRead)},
		{"GET /api/v1/me/notification-settings", m.api(m.apiNotifySettings)},
		{"PUT /api/v1/me/notification-settings", m.api(m.apiNotifySettingsPut)},
		{"GET /api/v1/me/calendar", m.api(m.apiCalendar)},
		{"POST /api/v1/me/calendar/reset", m.api(m.apiCalendarReset)},
	}
}

// listRequest reads ?unread=&limit=&cursor=.
func listRequest(q url.Values) (events.NotificationsRequest, error) {
	req := events.NotificationsRequest{Cursor: q.Get("cursor")}
	switch q.Get("unread") {
	case "", "0", "false":
	case "1", "true":
		req.Unread = true
	default:
		return req, &events.Error{Code: events.CodeInvalid, Message: "invalid query", Fields: map[string]string{"unread": "must be true or false"}}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return req, &events.Error{Code: events.CodeInvalid, Message: "invalid query", Fields: map[string]string{"limit": "must be 1–100"}}
		}
		req.Limit = n
	}
	return req, nil
}

type notificationsResponse struct {
	Items []events.NotificationView `json:"items"`
	Total int                       `json:"total"`
	Next  *string                   `json:"next"`
}

func (m *Main) apiNotifications(w http.ResponseWriter, r *http.Request, v *viewer) {
	req, err := listRequest(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifications, v.caller(), req)
	resp := notificationsResponse{Items: out.Items, Total: out.Total}
	if out.Next != "" {
		resp.Next = &out.Next
	}
	m.apiReply(w, r, http.StatusOK, resp, err)
}

func (m *Main) apiRead(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotificationRead, v.caller(), events.NotificationReadRequest{ID: r.PathValue("id")})
	m.apiReply(w, r, http.StatusOK, struct{}{}, err)
}

func (m *Main) apiReadAll(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotificationRead, v.caller(), events.NotificationReadRequest{All: true})
	m.apiReply(w, r, http.StatusOK, struct{}{}, err)
}

func (m *Main) apiNotifySettings(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifySettings, v.caller(), events.None{})
	m.apiReply(w, r, http.StatusOK, out, err)
}

type notifySettingsRequest struct {
	TimeZone   string            `json:"time_zone"`
	DateFormat string            `json:"date_format"`
	Email      map[string]string `json:"email"`
}

func (m *Main) apiNotifySettingsPut(w http.ResponseWriter, r *http.Request, v *viewer) {
	var req notifySettingsRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifySettingsPut, v.caller(), events.NotifySettings{TimeZone: req.TimeZone, DateFormat: req.DateFormat, Email: req.Email})
	if err == nil {
		setDateFormat(w, r, out.DateFormat)
	}
	m.apiReply(w, r, http.StatusOK, out, err)
}

type calendarResponse struct {
	URL string `json:"url"`
}

// calendarURL is the feed's full address on the host the request came to.
func calendarURL(r *http.Request, token string) string {
	return origin(r) + "/calendar/" + token + ".ics"
}

// origin is the scheme and host of the request (for links shown to the person).
func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func (m *Main) apiCalendar(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpCalendarURL, v.caller(), events.CalendarRequest{})
	m.apiReply(w, r, http.StatusOK, calendarResponse{URL: calendarURL(r, out.Token)}, err)
}

func (m *Main) apiCalendarReset(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpCalendarURL, v.caller(), events.CalendarRequest{Reset: true})
	m.apiReply(w, r, http.StatusOK, calendarResponse{URL: calendarURL(r, out.Token)}, err)
}

// calendarFeed answers /calendar/<token>.ics without a session: the token is the secret.
func (m *Main) calendarFeed(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || tok == "" || len(tok) > 100 {
		http.NotFound(w, r)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpCalendarFeed, rpc.Caller{}, events.CalendarFeedRequest{Token: tok})
	if err != nil {
		e := publicError(err)
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		http.Error(w, http.StatusText(status(e)), status(e))
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="onramp.ics"`)
	_, _ = w.Write([]byte(out.ICS))
}

// calendarItem downloads one task or module (key task:<plan>:<task> or
// training:<person>:<module>, then .ics) as a single-event calendar.
func (m *Main) calendarItem(w http.ResponseWriter, r *http.Request, v *viewer) {
	key, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || key == "" {
		m.notFound(w, r)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpCalendarItem, v.caller(), events.CalendarItemRequest{Key: key})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="onramp-item.ics"`)
	_, _ = w.Write([]byte(out.ICS))
}

// --- pages ---

func (m *Main) notificationsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	req, err := listRequest(r.URL.Query())
	if err != nil {
		m.fail(w, r, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifications, v.caller(), req)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	view := views.NotificationsView{Total: out.Total, Unread: out.Unread, UnreadOnly: req.Unread}
	for _, it := range out.Items {
		view.Items = append(view.Items, views.NotificationRow{ID: it.ID, Kind: it.Kind, Title: it.Title, Body: it.Body,
			Link: safeNext(it.Link), Created: it.Created, Read: it.Read})
	}
	if out.Next != "" {
		q := url.Values{"cursor": {out.Next}}
		if req.Unread {
			q.Set("unread", "1")
		}
		view.Next = q.Encode()
	}
	if v.May(identityapi.DeliveryProblems) {
		view.ShowIssues = true
		probs, err := rpc.Do(r.Context(), m.nc, notifyapi.OpDeliveryProblems, v.caller(), events.None{})
		if err != nil {
			m.fail(w, r, err)
			return
		}
		for _, d := range probs.Items {
			view.Problems = append(view.Problems, views.DeliveryProblemRow{Name: d.Name, Email: d.Email, Reason: d.Reason, Time: d.Time})
		}
	}
	m.render(w, r, http.StatusOK, views.NotificationsPage(m.pageFor(r, "Notifications"), view))
}

func (m *Main) bell(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifications, v.caller(), events.NotificationsRequest{Unread: true, Limit: 1})
	if err != nil {
		m.logFailure(r, err) // the bell is decoration: show it without a count
	}
	p := m.pageFor(r, "")
	m.render(w, r, http.StatusOK, views.Bell(p.User, out.Unread, true))
}

// readForm marks one item read. An item no longer in the inbox (trimmed since the page was
// shown) has nothing left to mark: the inbox is shown again, without it.
func (m *Main) readForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotificationRead, v.caller(), events.NotificationReadRequest{ID: r.PathValue("id")})
	if err != nil && events.CodeOf(err) != events.CodeNotFound {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (m *Main) readAllForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotificationRead, v.caller(), events.NotificationReadRequest{All: true}); err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

var kindLabels = map[string]string{
	events.KindInvite:            "Invitations and set-password links",
	events.KindPlanCreated:       "Onboarding plans created",
	events.KindTaskAssigned:      "Tasks assigned to me",
	events.KindTaskDue:           "Task reminders (due soon, due today, overdue)",
	events.KindTrainingAssigned:  "Training assigned to me",
	events.KindTrainingDue:       "Training reminders",
	events.KindModulePassed:      "Modules passed by people I lead",
	events.KindMentorshipUpdates: "Mentorship proposals and changes",
	events.KindPlanCompleted:     "Onboarding plans completed",
	events.KindCertExpiry:        "Certifications about to expire",
	events.KindCheckinSilence:    "Mentorships without a check-in for 14 days",
}

func (m *Main) notifySettingsView(r *http.Request, v *viewer, s events.NotifySettings) (views.NotifySettingsView, error) {
	cal, err := rpc.Do(r.Context(), m.nc, notifyapi.OpCalendarURL, v.caller(), events.CalendarRequest{})
	if err != nil {
		return views.NotifySettingsView{}, err
	}
	out := views.NotifySettingsView{TimeZone: s.TimeZone, DateFormat: s.DateFormat, CalendarURL: calendarURL(r, cal.Token)}
	for _, f := range events.DateFormats {
		out.DateFormats = append(out.DateFormats, views.Option{Value: f, Label: dateFormatLabels[f]})
	}
	for _, k := range events.NotifyKinds {
		out.Kinds = append(out.Kinds, views.NotifyKindRow{Kind: k, Label: kindLabels[k], Mode: s.Email[k],
			Fixed: slices.Contains(s.Fixed, k), Daily: slices.Contains(s.Daily, k)})
	}
	return out, nil
}

func (m *Main) notifySettingsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifySettings, v.caller(), events.None{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	view, err := m.notifySettingsView(r, v, s)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	view.Saved = r.URL.Query().Get("saved") == "1"
	setDateFormat(w, r, s.DateFormat) // a change made on another device shows from here on
	m.render(w, r, http.StatusOK, views.NotifySettingsPage(m.pageFor(r, "Settings"), view))
}

func (m *Main) notifySettingsForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		m.fail(w, r, events.Errorf(events.CodeBadRequest, "malformed form"))
		return
	}
	req := events.NotifySettings{TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")), DateFormat: r.PostFormValue("date_format"), Email: map[string]string{}}
	for _, k := range events.NotifyKinds {
		if v := r.PostFormValue("email." + k); v != "" {
			req.Email[k] = v
		}
	}
	req.Email[events.KindInvite] = events.EmailImmediate // never offered as a choice
	saved, err := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifySettingsPut, v.caller(), req)
	if err != nil {
		e := publicError(err)
		if e.Code != events.CodeInvalid {
			m.fail(w, r, err)
			return
		}
		cur, cerr := rpc.Do(r.Context(), m.nc, notifyapi.OpNotifySettings, v.caller(), events.None{})
		if cerr != nil {
			m.fail(w, r, cerr)
			return
		}
		view, verr := m.notifySettingsView(r, v, cur)
		if verr != nil {
			m.fail(w, r, verr)
			return
		}
		view.TimeZone, view.DateFormat, view.Fields = req.TimeZone, req.DateFormat, e.Fields
		view.Error = "Not saved: check the fields marked below."
		if len(e.Fields) == 0 {
			view.Error = "Not saved: " + e.Message
		}
		m.render(w, r, http.StatusUnprocessableEntity, views.NotifySettingsPage(m.pageFor(r, "Settings"), view))
		return
	}
	setDateFormat(w, r, saved.DateFormat)
	http.Redirect(w, r, "/settings/notifications?saved=1", http.StatusSeeOther)
}

func (m *Main) calendarResetForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := rpc.Do(r.Context(), m.nc, notifyapi.OpCalendarURL, v.caller(), events.CalendarRequest{Reset: true}); err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/notifications", http.StatusSeeOther)
}

func (m *Main) mailboxPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, notifyapi.OpMailbox, v.caller(), events.None{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	var rows []views.MailRow
	for _, ml := range out.Items {
		rows = append(rows, views.MailRow{To: ml.To, Subject: ml.Subject, Text: ml.Text, Created: ml.Created, Status: ml.Status, Reason: ml.Reason})
	}
	m.render(w, r, http.StatusOK, views.MailboxPage(m.pageFor(r, "Mailbox"), rows))
}
