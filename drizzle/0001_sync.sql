CREATE TABLE "consults" (
	"doc_id" text PRIMARY KEY NOT NULL,
	"clinic_id" uuid NOT NULL,
	"patient_doc_id" text NOT NULL,
	"status" text NOT NULL,
	"priority" text NOT NULL,
	"specialty" text,
	"assignee_user_id" uuid,
	"message_count" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"doc_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"clinic_id" uuid NOT NULL,
	"state" "bytea" NOT NULL,
	"last_seq" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "observations" (
	"doc_id" text NOT NULL,
	"id" text NOT NULL,
	"clinic_id" uuid NOT NULL,
	"encounter_id" text NOT NULL,
	"key" text NOT NULL,
	"system" text NOT NULL,
	"code" text NOT NULL,
	"value_number" double precision,
	"value_text" text,
	"unit" text,
	"effective_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"source_kind" text NOT NULL,
	CONSTRAINT "observations_doc_id_id_pk" PRIMARY KEY("doc_id","id")
);
--> statement-breakpoint
CREATE TABLE "patients" (
	"doc_id" text PRIMARY KEY NOT NULL,
	"clinic_id" uuid NOT NULL,
	"given_name" text,
	"family_name" text,
	"display_name" text NOT NULL,
	"village" text,
	"sex" text,
	"birth_date" text,
	"birth_date_estimated" boolean,
	"phone" text,
	"needs_review" boolean NOT NULL,
	"latest_vitals" jsonb NOT NULL,
	"encounter_count" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "update_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"doc_id" text NOT NULL,
	"clinic_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"local_seq" bigint,
	"client_id" bigint,
	"update" "bytea" NOT NULL,
	"device_time" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid
);
--> statement-breakpoint
CREATE INDEX "consults_clinic_status" ON "consults" USING btree ("clinic_id","status");--> statement-breakpoint
CREATE INDEX "consults_queue" ON "consults" USING btree ("status","priority","created_at");--> statement-breakpoint
CREATE INDEX "documents_clinic_doc" ON "documents" USING btree ("clinic_id","doc_id");--> statement-breakpoint
CREATE INDEX "observations_clinic_code" ON "observations" USING btree ("clinic_id","code","effective_at");--> statement-breakpoint
CREATE INDEX "patients_clinic" ON "patients" USING btree ("clinic_id","display_name");--> statement-breakpoint
CREATE UNIQUE INDEX "update_log_device_local_seq" ON "update_log" USING btree ("device_id","local_seq") WHERE "update_log"."local_seq" is not null;--> statement-breakpoint
CREATE INDEX "update_log_clinic_seq" ON "update_log" USING btree ("clinic_id","seq");--> statement-breakpoint
CREATE INDEX "update_log_doc_seq" ON "update_log" USING btree ("doc_id","seq");