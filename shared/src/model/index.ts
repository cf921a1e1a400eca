/**
 * The record model: patient and consult documents as Yjs CRDT documents with
 * typed, validated domain operations and pure projections. See CONTEXT.md.
 */
export type { Actor, Json, ModelOrigin, OpContext } from './context';
export { isModelOrigin } from './context';
export type * from './errors';
export { consultDocId, parseDocId, patientDocId } from './docId';
export type { ConsultDocId, DocId, ParsedDocId, PatientDocId } from './docId';
export { CURRENT_SCHEMA_VERSION, UPGRADE_STEPS, readMeta, upgradeDocument } from './document';
export type { DocKind, DocMeta, UpgradeOptions, UpgradeOutcome, UpgradeStep } from './document';
export {
  addAllergy,
  addCondition,
  assertFact,
  closeEncounter,
  createPatient,
  markEnteredInError,
  recordDangerSigns,
  recordVitals,
  resolveAllergy,
  resolveCondition,
  setEncounterNote,
  startEncounter,
  storeRiskAssessment,
  updateProfile,
} from './patient';
export type {
  AddAllergyInput,
  AddConditionInput,
  AssertFactInput,
  CreatePatientInput,
  DateOfBirthInput,
  MarkEnteredInErrorInput,
  PregnancyInput,
  ProfilePatch,
  ReadingInput,
  RecordDangerSignsInput,
  RecordVitalsInput,
  ResolveInput,
  SetEncounterNoteInput,
  SourceInput,
  StartEncounterInput,
  StoreRiskAssessmentInput,
} from './patient';
export { readPatient } from './patientView';
export type {
  Allergy,
  Attributed,
  Condition,
  DangerSignsView,
  DateOfBirth,
  EncounterView,
  FactState,
  ListItem,
  ListView,
  ObservationSource,
  ObservationView,
  PatientView,
  Pregnancy,
  ReviewReason,
  RiskAssessmentView,
} from './patientView';
export {
  CONSULT_TRANSITIONS,
  STATUS_PRECEDENCE,
  answerConsult,
  canTransition,
  changeConsultStatus,
  createConsult,
  postConsultMessage,
  readConsult,
} from './consult';
export type {
  AnswerConsultInput,
  AnswerView,
  ChangeConsultStatusInput,
  ConsultView,
  CreateConsultInput,
  MessageView,
  PostConsultMessageInput,
  TransitionView,
} from './consult';
export { validateDocument } from './validate';
export type { ExpectedIdentity } from './validate';
export {
  ACVPU,
  ASSESSMENTS,
  INPUT_UNITS,
  checkPlausibility,
  observationCoding,
  toCatalogueUnit,
} from './readings';
export type { Acvpu, AssessmentKey, ObservationKey } from './readings';
export {
  MONITORING_WINDOW_MAX_SECONDS,
  monitoringWindowSchema,
  CONSULT_STATUSES,
  DANGER_SIGNS,
  DISPOSITIONS,
  PRIORITIES,
  PROFILE_FIELDS,
  SEXES,
  SNAPSHOT_MAX_CHARS,
} from './stored';
export type {
  ConsultAnswer,
  ConsultPriority,
  ConsultRouting,
  ConsultStatus,
  DangerSign,
  DangerSigns,
  Disposition,
  MonitoringWindow,
  Profile,
  ProfileField,
  Sex,
} from './stored';
export { VITALS, VITAL_KEYS, isVitalKey, vitalByLoinc } from './vitals';
export type { VitalDefinition, VitalKey } from './vitals';
export {
  MAX_MINUTES_PER_OP,
  MAX_SESSION_MINUTES,
  MINUTE_MS,
  median,
  readMonitoring,
  recordMonitoringMinutes,
  sessionRef,
  startMonitoring,
  stopMonitoring,
  summariseMinute,
} from './monitoring';
export type {
  MinuteSummary,
  MonitoringSessionView,
  MonitoringView,
  Range3,
  RecordMonitoringMinutesInput,
  StartMonitoringInput,
  StopMonitoringInput,
} from './monitoring';
