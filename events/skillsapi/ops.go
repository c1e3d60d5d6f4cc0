// Package skillsapi is the skills service's contract with its callers: the operations it
// answers, each with its request and reply types.
package skillsapi

import "onramp.dev/events"

// The skills service's operations: every query and command it answers, as its server
// registers them (services/skills/server/ops.go).
//
// Queries answer from the service's model and change nothing.
var (
	OpSkillsList = events.Op[events.None, events.SkillsReply]{Service: events.SkillsService, Name: events.OpSkillsList}
	OpRecordGet  = events.Op[events.SkillRecordRequest, events.SkillRecordReply]{Service: events.SkillsService, Name: events.OpRecordGet}
)

// Commands decide against the model and append the events they return.
var (
	OpSkillsImport  = events.Op[events.SkillImportRequest, events.SkillImportReply]{Service: events.SkillsService, Name: events.OpSkillsImport}
	OpRecordAssess  = events.Op[events.SkillLevelRequest, events.SkillRecordItem]{Service: events.SkillsService, Name: events.OpRecordAssess}
	OpRecordVerify  = events.Op[events.SkillLevelRequest, events.SkillRecordItem]{Service: events.SkillsService, Name: events.OpRecordVerify}
	OpRecordCertify = events.Op[events.SkillCertifyRequest, events.SkillCertification]{Service: events.SkillsService, Name: events.OpRecordCertify}
	OpSkillsSeed    = events.Op[events.SkillSeedRequest, events.None]{Service: events.SkillsService, Name: events.OpSkillsSeed} // demo data
)
