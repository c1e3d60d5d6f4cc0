// Package notifyapi is the notify service's contract with its callers: the operations it
// answers, each with its request and reply types.
package notifyapi

import "onramp.dev/events"

// The notify service's operations: every query and command it answers, as its server
// registers them (services/notify/server/ops.go).
//
// Queries answer from the service's model and change nothing.
var (
	OpNotifications    = events.Op[events.NotificationsRequest, events.NotificationsReply]{Service: events.NotifyService, Name: events.OpNotifications}
	OpNotifySettings   = events.Op[events.None, events.NotifySettings]{Service: events.NotifyService, Name: events.OpNotifySettings}
	OpCalendarFeed     = events.Op[events.CalendarFeedRequest, events.CalendarFeedReply]{Service: events.NotifyService, Name: events.OpCalendarFeed} // no caller
	OpCalendarItem     = events.Op[events.CalendarItemRequest, events.CalendarFeedReply]{Service: events.NotifyService, Name: events.OpCalendarItem} // one task or module
	OpMailbox          = events.Op[events.None, events.MailboxReply]{Service: events.NotifyService, Name: events.OpMailbox}                          // admins, when the mailbox is on
	OpDeliveryProblems = events.Op[events.None, events.DeliveryProblemsReply]{Service: events.NotifyService, Name: events.OpDeliveryProblems}        // HR and admin
)

// Commands decide against the model and append the events they return.
var (
	OpNotificationRead  = events.Op[events.NotificationReadRequest, events.None]{Service: events.NotifyService, Name: events.OpNotificationRead}
	OpNotifySettingsPut = events.Op[events.NotifySettings, events.NotifySettings]{Service: events.NotifyService, Name: events.OpNotifySettingsPut}
	OpCalendarURL       = events.Op[events.CalendarRequest, events.CalendarReply]{Service: events.NotifyService, Name: events.OpCalendarURL}
)
