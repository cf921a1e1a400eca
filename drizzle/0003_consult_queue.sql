CREATE TABLE "attachment_blobs" (
	"sha256" text PRIMARY KEY NOT NULL,
	"original_type" text NOT NULL,
	"original_bytes" integer NOT NULL,
	"original_width" integer NOT NULL,
	"original_height" integer NOT NULL,
	"full" "bytea" NOT NULL,
	"full_width" integer NOT NULL,
	"full_height" integer NOT NULL,
	"thumb" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "attachment_chunks" (
	"upload_id" uuid NOT NULL,
	"offset" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "attachment_chunks_upload_id_offset_pk" PRIMARY KEY("upload_id","offset")
);
--> statement-breakpoint
CREATE TABLE "attachment_links" (
	"clinic_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"file_name" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "attachment_links_clinic_id_sha256_pk" PRIMARY KEY("clinic_id","sha256")
);
--> statement-breakpoint
CREATE TABLE "attachment_uploads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"consult_doc_id" text NOT NULL,
	"clinic_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"declared_type" text NOT NULL,
	"file_name" text NOT NULL,
	"received_bytes" integer NOT NULL,
	"user_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "consult_attachments" (
	"doc_id" text NOT NULL,
	"sha256" text NOT NULL,
	CONSTRAINT "consult_attachments_doc_id_sha256_pk" PRIMARY KEY("doc_id","sha256")
);
--> statement-breakpoint
CREATE TABLE "push_subscriptions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "consults_queue";--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "district_id" uuid;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "priority_rank" smallint DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "received_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "waiting_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "answered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "last_activity_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "answer_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "patient_age_years" integer;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "patient_age_months" integer;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "patient_sex" text;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "question_excerpt" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "consults" ADD COLUMN "photo_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-added before landing: rows written before this migration get what SQL can derive;
-- the rest (sent/received/answered times, snapshot summary) fills in at the consult's next update.
UPDATE "consults" SET "waiting_since" = "created_at", "priority_rank" = CASE "priority" WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, "district_id" = (SELECT "district_id" FROM "clinics" WHERE "clinics"."id" = "consults"."clinic_id");--> statement-breakpoint
ALTER TABLE "consults" ALTER COLUMN "waiting_since" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "attachment_uploads_open" ON "attachment_uploads" USING btree ("consult_doc_id","sha256") WHERE "attachment_uploads"."completed_at" is null;--> statement-breakpoint
CREATE INDEX "attachment_uploads_device" ON "attachment_uploads" USING btree ("device_id","completed_at");--> statement-breakpoint
CREATE INDEX "consult_attachments_sha" ON "consult_attachments" USING btree ("sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "push_subscriptions_endpoint" ON "push_subscriptions" USING btree ("endpoint");--> statement-breakpoint
CREATE INDEX "push_subscriptions_user" ON "push_subscriptions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "consults_clinic_queue" ON "consults" USING btree ("clinic_id","priority_rank","waiting_since","doc_id");--> statement-breakpoint
CREATE INDEX "consults_district_queue" ON "consults" USING btree ("district_id","priority_rank","waiting_since","doc_id");--> statement-breakpoint
CREATE INDEX "consults_district_due" ON "consults" USING btree ("district_id","answer_due_at") WHERE "consults"."answer_due_at" is not null;--> statement-breakpoint
CREATE INDEX "consults_queue" ON "consults" USING btree ("priority_rank","waiting_since","doc_id");