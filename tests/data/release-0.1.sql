PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES('0001');
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(255) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	subject VARCHAR(255) NOT NULL, 
	detail JSON NOT NULL, 
	CONSTRAINT pk_audit_log PRIMARY KEY (id)
);
INSERT INTO audit_log VALUES(1,'2022-08-01 02:00:00.000000','fixture','invite','Ban ISO Sở','{"role": "iso"}');
INSERT INTO audit_log VALUES(2,'2022-08-01 02:00:00.000000','console:iso Người iso','register','Ban ISO Sở','{"role": "iso", "channel": "console", "contact_id": 1}');
INSERT INTO audit_log VALUES(3,'2022-08-01 02:00:00.000000','fixture','invite','Văn phòng Sở','{"role": "office"}');
INSERT INTO audit_log VALUES(4,'2022-08-01 02:00:00.000000','console:vp Người vp','register','Văn phòng Sở','{"role": "office", "channel": "console", "contact_id": 2}');
INSERT INTO audit_log VALUES(5,'2022-08-01 02:00:00.000000','fixture','invite','Phòng Giáo dục Trung học','{"role": "head"}');
INSERT INTO audit_log VALUES(6,'2022-08-01 02:00:00.000000','console:th Người th','register','Phòng Giáo dục Trung học','{"role": "head", "channel": "console", "contact_id": 3}');
INSERT INTO audit_log VALUES(7,'2022-08-01 02:00:00.000000','console:iso Người iso (Ban ISO Sở)','confirm','187/KH-SGDĐT #6','{"unit": "Ban ISO S\u1edf", "period": "", "note": "Ho\u00e0n th\u00e0nh b\u00e1o c\u00e1o \u0111\u00e1nh gi\u00e1 n\u1ed9i b\u1ed9"}');
INSERT INTO audit_log VALUES(8,'2022-08-01 02:00:00.000000','console:th Người th (Phòng Giáo dục Trung học)','confirm','187/KH-SGDĐT #4','{"unit": "Ph\u00f2ng Gi\u00e1o d\u1ee5c Trung h\u1ecdc", "period": "2022-Q3", "note": "\u0111\u00e3 r\u00e0 so\u00e1t"}');
CREATE TABLE engine_state (
	name VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	holder VARCHAR(64), 
	expires_at DATETIME, 
	CONSTRAINT pk_engine_state PRIMARY KEY (name)
);
INSERT INTO engine_state VALUES('last_tick','2022-08-01T08:00:00+07:00',NULL,NULL);
CREATE TABLE failed_attempts (
	id INTEGER NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	at DATETIME NOT NULL, 
	CONSTRAINT pk_failed_attempts PRIMARY KEY (id)
);
CREATE TABLE plans (
	id INTEGER NOT NULL, 
	number VARCHAR(64) NOT NULL, 
	issued DATE, 
	title TEXT NOT NULL, 
	year INTEGER NOT NULL, 
	source TEXT NOT NULL, 
	imported_at DATETIME NOT NULL, 
	CONSTRAINT pk_plans PRIMARY KEY (id), 
	CONSTRAINT uq_plans_number UNIQUE (number)
);
INSERT INTO plans VALUES(1,'187/KH-SGDĐT','2022-02-07','Duy trì áp dụng, cải tiến Hệ thống quản lý chất lượng theo tiêu chuẩn quốc gia TCVN ISO 9001:2015 vào hoạt động của Sở Giáo dục và Đào tạo Hưng Yên năm 2022',2022,'187-KH-SGDDT-2022.txt','2022-08-01 02:00:00.000000');
CREATE TABLE units (
	id INTEGER NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	is_group BOOLEAN NOT NULL, 
	CONSTRAINT pk_units PRIMARY KEY (id), 
	CONSTRAINT uq_units_name UNIQUE (name)
);
INSERT INTO units VALUES(1,'Các phòng thuộc Sở',1);
INSERT INTO units VALUES(2,'Văn phòng Sở',0);
INSERT INTO units VALUES(3,'Phòng Tổ chức cán bộ',0);
INSERT INTO units VALUES(4,'Phòng Kế hoạch - Tài chính',0);
INSERT INTO units VALUES(5,'Phòng Giáo dục Mầm non',0);
INSERT INTO units VALUES(6,'Phòng Giáo dục Tiểu học',0);
INSERT INTO units VALUES(7,'Phòng Giáo dục Trung học',0);
INSERT INTO units VALUES(8,'Phòng Giáo dục nghề nghiệp - Giáo dục thường xuyên',0);
INSERT INTO units VALUES(9,'Phòng Khảo thí và Kiểm định chất lượng giáo dục',0);
INSERT INTO units VALUES(10,'Thanh tra Sở',0);
INSERT INTO units VALUES(11,'Phòng GDĐT các huyện, thị xã, thành phố',1);
INSERT INTO units VALUES(12,'Các đơn vị trực thuộc Sở',1);
INSERT INTO units VALUES(13,'Ban ISO Sở',0);
INSERT INTO units VALUES(14,'Lãnh đạo Sở',0);
CREATE TABLE group_members (
	group_id INTEGER NOT NULL, 
	unit_id INTEGER NOT NULL, 
	CONSTRAINT pk_group_members PRIMARY KEY (group_id, unit_id), 
	CONSTRAINT fk_group_members_group_id_units FOREIGN KEY(group_id) REFERENCES units (id) ON DELETE CASCADE, 
	CONSTRAINT fk_group_members_unit_id_units FOREIGN KEY(unit_id) REFERENCES units (id) ON DELETE CASCADE
);
INSERT INTO group_members VALUES(1,2);
INSERT INTO group_members VALUES(1,3);
INSERT INTO group_members VALUES(1,4);
INSERT INTO group_members VALUES(1,5);
INSERT INTO group_members VALUES(1,6);
INSERT INTO group_members VALUES(1,7);
INSERT INTO group_members VALUES(1,8);
INSERT INTO group_members VALUES(1,9);
INSERT INTO group_members VALUES(1,10);
CREATE TABLE people (
	id INTEGER NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	unit_id INTEGER NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	language VARCHAR(8) NOT NULL, 
	prefer_channel VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_people PRIMARY KEY (id), 
	CONSTRAINT fk_people_unit_id_units FOREIGN KEY(unit_id) REFERENCES units (id)
);
INSERT INTO people VALUES(1,'Người iso',13,'iso','vi','all','2022-08-01 02:00:00.000000');
INSERT INTO people VALUES(2,'Người vp',2,'office','vi','all','2022-08-01 02:00:00.000000');
INSERT INTO people VALUES(3,'Người th',7,'head','vi','all','2022-08-01 02:00:00.000000');
CREATE TABLE tasks (
	id INTEGER NOT NULL, 
	plan_id INTEGER NOT NULL, 
	no INTEGER NOT NULL, 
	content TEXT NOT NULL, 
	lead JSON NOT NULL, 
	support JSON NOT NULL, 
	when_text TEXT NOT NULL, 
	schedule JSON NOT NULL, 
	deadline_set DATE, 
	removed BOOLEAN NOT NULL, 
	CONSTRAINT pk_tasks PRIMARY KEY (id), 
	CONSTRAINT fk_tasks_plan_id_plans FOREIGN KEY(plan_id) REFERENCES plans (id) ON DELETE CASCADE, 
	CONSTRAINT uq_tasks_plan_id UNIQUE (plan_id, no)
);
INSERT INTO tasks VALUES(1,1,1,'Xây dựng kế hoạch duy trì và áp dụng HTQLCL tiêu chuẩn quốc gia TCVN ISO 9001:2015 năm 2022','["Ban ISO S\u1edf"]','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','Trước 10/02/2022','{"kind": "deadline", "due": "2022-02-09"}',NULL,0);
INSERT INTO tasks VALUES(2,1,2,'Đánh giá kết quả thực hiện mục tiêu chất lượng năm học 2021-2022; xây dựng mục tiêu chất lượng của đơn vị năm học 2022-2023','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','["Ban ISO S\u1edf"]','Trước 25/8/2022','{"kind": "deadline", "due": "2022-08-24"}',NULL,0);
INSERT INTO tasks VALUES(3,1,3,'Trên cơ sở mục tiêu chất lượng các phòng, Ban ISO đánh giá kết quả thực hiện mục tiêu chất lượng năm học 2021-2022, xây dựng mục tiêu chất lượng của Sở năm học 2022-2023','["Ban ISO S\u1edf"]','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','Trước 05/09/2022','{"kind": "deadline", "due": "2022-09-04"}',NULL,0);
INSERT INTO tasks VALUES(4,1,4,'Xây dựng mới một số quy trình ISO (nếu có)','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','["Ban ISO S\u1edf"]','Thường xuyên','{"kind": "recurring", "every": "quarter"}',NULL,0);
INSERT INTO tasks VALUES(5,1,5,'Rà soát, bổ sung, sửa đổi các quy trình ISO của Sở','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','["Ban ISO S\u1edf"]','Thường xuyên','{"kind": "recurring", "every": "quarter"}',NULL,0);
INSERT INTO tasks VALUES(6,1,6,'Đánh giá nội bộ','["L\u00e3nh \u0111\u1ea1o S\u1edf", "Ban ISO S\u1edf"]','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','Từ 01/6 đến 30/7/2022','{"kind": "window", "start": "2022-06-01", "end": "2022-07-30"}',NULL,0);
INSERT INTO tasks VALUES(7,1,7,'Tiến hành khắc phục sau đánh giá nội bộ','["L\u00e3nh \u0111\u1ea1o S\u1edf", "Ban ISO S\u1edf"]','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','Tháng 01/8 đến 15/9/2022','{"kind": "window", "start": "2022-08-01", "end": "2022-09-15"}',NULL,0);
INSERT INTO tasks VALUES(8,1,8,'Tổ chức họp xem xét của Lãnh đạo','["L\u00e3nh \u0111\u1ea1o S\u1edf", "Ban ISO S\u1edf"]','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','Trước 30/9/2022','{"kind": "deadline", "due": "2022-09-29"}',NULL,0);
INSERT INTO tasks VALUES(9,1,9,'Các phòng thuộc Sở rà soát, bổ sung tài liệu bên ngoài của các quy trình ISO','["C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','["Ban ISO S\u1edf"]','Thường xuyên','{"kind": "recurring", "every": "quarter"}',NULL,0);
INSERT INTO tasks VALUES(10,1,10,'Báo cáo kết quả thực hiện hoạt động duy trì và áp dụng, cải tiến HTQLCL theo tiêu chuẩn quốc gia TCVN ISO 9001:2015 năm 2022','["Ban ISO S\u1edf"]','["L\u00e3nh \u0111\u1ea1o S\u1edf", "C\u00e1c ph\u00f2ng thu\u1ed9c S\u1edf"]','Theo quy định','{"kind": "as_regulated"}',NULL,0);
CREATE TABLE assignments (
	id INTEGER NOT NULL, 
	task_id INTEGER NOT NULL, 
	unit_id INTEGER NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	via_group VARCHAR(255), 
	active BOOLEAN NOT NULL, 
	CONSTRAINT pk_assignments PRIMARY KEY (id), 
	CONSTRAINT fk_assignments_task_id_tasks FOREIGN KEY(task_id) REFERENCES tasks (id) ON DELETE CASCADE, 
	CONSTRAINT fk_assignments_unit_id_units FOREIGN KEY(unit_id) REFERENCES units (id), 
	CONSTRAINT uq_assignments_task_id UNIQUE (task_id, unit_id)
);
INSERT INTO assignments VALUES(1,1,13,'lead',NULL,1);
INSERT INTO assignments VALUES(2,1,2,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(3,1,3,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(4,1,4,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(5,1,5,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(6,1,6,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(7,1,7,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(8,1,8,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(9,1,9,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(10,1,10,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(11,2,2,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(12,2,3,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(13,2,4,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(14,2,5,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(15,2,6,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(16,2,7,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(17,2,8,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(18,2,9,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(19,2,10,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(20,2,13,'support',NULL,1);
INSERT INTO assignments VALUES(21,3,13,'lead',NULL,1);
INSERT INTO assignments VALUES(22,3,2,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(23,3,3,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(24,3,4,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(25,3,5,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(26,3,6,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(27,3,7,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(28,3,8,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(29,3,9,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(30,3,10,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(31,4,2,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(32,4,3,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(33,4,4,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(34,4,5,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(35,4,6,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(36,4,7,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(37,4,8,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(38,4,9,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(39,4,10,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(40,4,13,'support',NULL,1);
INSERT INTO assignments VALUES(41,5,2,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(42,5,3,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(43,5,4,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(44,5,5,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(45,5,6,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(46,5,7,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(47,5,8,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(48,5,9,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(49,5,10,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(50,5,13,'support',NULL,1);
INSERT INTO assignments VALUES(51,6,14,'lead',NULL,1);
INSERT INTO assignments VALUES(52,6,13,'lead',NULL,1);
INSERT INTO assignments VALUES(53,6,2,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(54,6,3,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(55,6,4,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(56,6,5,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(57,6,6,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(58,6,7,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(59,6,8,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(60,6,9,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(61,6,10,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(62,7,14,'lead',NULL,1);
INSERT INTO assignments VALUES(63,7,13,'lead',NULL,1);
INSERT INTO assignments VALUES(64,7,2,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(65,7,3,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(66,7,4,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(67,7,5,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(68,7,6,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(69,7,7,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(70,7,8,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(71,7,9,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(72,7,10,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(73,8,14,'lead',NULL,1);
INSERT INTO assignments VALUES(74,8,13,'lead',NULL,1);
INSERT INTO assignments VALUES(75,8,2,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(76,8,3,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(77,8,4,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(78,8,5,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(79,8,6,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(80,8,7,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(81,8,8,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(82,8,9,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(83,8,10,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(84,9,2,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(85,9,3,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(86,9,4,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(87,9,5,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(88,9,6,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(89,9,7,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(90,9,8,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(91,9,9,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(92,9,10,'lead','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(93,9,13,'support',NULL,1);
INSERT INTO assignments VALUES(94,10,13,'lead',NULL,1);
INSERT INTO assignments VALUES(95,10,14,'support',NULL,1);
INSERT INTO assignments VALUES(96,10,2,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(97,10,3,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(98,10,4,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(99,10,5,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(100,10,6,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(101,10,7,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(102,10,8,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(103,10,9,'support','Các phòng thuộc Sở',1);
INSERT INTO assignments VALUES(104,10,10,'support','Các phòng thuộc Sở',1);
CREATE TABLE contacts (
	id INTEGER NOT NULL, 
	person_id INTEGER NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	chat_id VARCHAR(64) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	since DATETIME NOT NULL, 
	revoked_at DATETIME, 
	CONSTRAINT pk_contacts PRIMARY KEY (id), 
	CONSTRAINT fk_contacts_person_id_people FOREIGN KEY(person_id) REFERENCES people (id), 
	CONSTRAINT uq_contacts_channel UNIQUE (channel, user_id)
);
INSERT INTO contacts VALUES(1,1,'console','iso','iso','Người iso','2022-08-01 02:00:00.000000',NULL);
INSERT INTO contacts VALUES(2,2,'console','vp','vp','Người vp','2022-08-01 02:00:00.000000',NULL);
INSERT INTO contacts VALUES(3,3,'console','th','th','Người th','2022-08-01 02:00:00.000000',NULL);
CREATE TABLE confirmations (
	id INTEGER NOT NULL, 
	assignment_id INTEGER NOT NULL, 
	period VARCHAR(16) NOT NULL, 
	confirmed_at DATETIME NOT NULL, 
	confirmed_on DATE NOT NULL, 
	by_contact_id INTEGER, 
	by_name VARCHAR(255) NOT NULL, 
	note TEXT NOT NULL, 
	attachment_kind VARCHAR(16), 
	attachment_ref TEXT, 
	attachment_name VARCHAR(255), 
	undone_at DATETIME, 
	undone_by VARCHAR(255), 
	CONSTRAINT pk_confirmations PRIMARY KEY (id), 
	CONSTRAINT fk_confirmations_assignment_id_assignments FOREIGN KEY(assignment_id) REFERENCES assignments (id) ON DELETE CASCADE, 
	CONSTRAINT fk_confirmations_by_contact_id_contacts FOREIGN KEY(by_contact_id) REFERENCES contacts (id)
);
INSERT INTO confirmations VALUES(1,52,'','2022-08-01 02:00:00.000000','2022-08-01',1,'Người iso','Hoàn thành báo cáo đánh giá nội bộ',NULL,NULL,NULL,NULL,NULL);
INSERT INTO confirmations VALUES(2,36,'2022-Q3','2022-08-01 02:00:00.000000','2022-08-01',3,'Người th','đã rà soát',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE invites (
	id INTEGER NOT NULL, 
	code_hash VARCHAR(64) NOT NULL, 
	unit_id INTEGER NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	created_by VARCHAR(255) NOT NULL, 
	used_at DATETIME, 
	used_by_contact_id INTEGER, 
	person_id INTEGER, 
	CONSTRAINT pk_invites PRIMARY KEY (id), 
	CONSTRAINT fk_invites_person_id_people FOREIGN KEY(person_id) REFERENCES people (id), 
	CONSTRAINT fk_invites_unit_id_units FOREIGN KEY(unit_id) REFERENCES units (id), 
	CONSTRAINT fk_invites_used_by_contact_id_contacts FOREIGN KEY(used_by_contact_id) REFERENCES contacts (id), 
	CONSTRAINT uq_invites_code_hash UNIQUE (code_hash)
);
INSERT INTO invites VALUES(1,'9cb48ba652c7510ac16cf35abb70f445a67e547783c5e58379f939c5041717b8',13,'iso','2022-08-01 02:00:00.000000','2022-08-08 02:00:00.000000','fixture','2022-08-01 02:00:00.000000',1,NULL);
INSERT INTO invites VALUES(2,'fac79ee66cf5c074773ae43cb9d79752a757e04fae9383f4351adeb4fa8d7ad2',2,'office','2022-08-01 02:00:00.000000','2022-08-08 02:00:00.000000','fixture','2022-08-01 02:00:00.000000',2,NULL);
INSERT INTO invites VALUES(3,'dfe648b1bf4e47f369cd3d0bf3f066d4a57a51838f8fc50abf3513f1901cb601',7,'head','2022-08-01 02:00:00.000000','2022-08-08 02:00:00.000000','fixture','2022-08-01 02:00:00.000000',3,NULL);
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	dedupe_key VARCHAR(160) NOT NULL, 
	task_id INTEGER NOT NULL, 
	assignment_id INTEGER, 
	contact_id INTEGER NOT NULL, 
	kind VARCHAR(24) NOT NULL, 
	slot DATE NOT NULL, 
	period VARCHAR(16) NOT NULL, 
	days INTEGER NOT NULL, 
	owing_units JSON NOT NULL, 
	late BOOLEAN NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	claimed_by VARCHAR(64), 
	claimed_at DATETIME, 
	sent_at DATETIME, 
	message_id VARCHAR(64), 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME, 
	last_error TEXT, 
	CONSTRAINT pk_outbox PRIMARY KEY (id), 
	CONSTRAINT fk_outbox_assignment_id_assignments FOREIGN KEY(assignment_id) REFERENCES assignments (id), 
	CONSTRAINT fk_outbox_contact_id_contacts FOREIGN KEY(contact_id) REFERENCES contacts (id), 
	CONSTRAINT fk_outbox_task_id_tasks FOREIGN KEY(task_id) REFERENCES tasks (id) ON DELETE CASCADE, 
	CONSTRAINT uq_outbox_dedupe_key UNIQUE (dedupe_key)
);
INSERT INTO outbox VALUES(1,'a1|overdue|2022-08-01|1',1,1,1,'overdue','2022-08-01','',173,'[]',0,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','1',0,NULL,NULL);
INSERT INTO outbox VALUES(2,'t1|escalation|2022-02-14|2',1,NULL,2,'escalation','2022-02-14','',5,'["Ban ISO S\u1edf"]',1,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','2',0,NULL,NULL);
INSERT INTO outbox VALUES(3,'t1|escalation|2022-02-14|1',1,NULL,1,'escalation','2022-02-14','',5,'["Ban ISO S\u1edf"]',1,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','1',0,NULL,NULL);
INSERT INTO outbox VALUES(4,'a31|period_open|2022-07-01|2',4,31,2,'period_open','2022-07-01','2022-Q3',91,'[]',1,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','2',0,NULL,NULL);
INSERT INTO outbox VALUES(5,'a41|period_open|2022-07-01|2',5,41,2,'period_open','2022-07-01','2022-Q3',91,'[]',1,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','2',0,NULL,NULL);
INSERT INTO outbox VALUES(6,'a46|period_open|2022-07-01|3',5,46,3,'period_open','2022-07-01','2022-Q3',91,'[]',1,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','3',0,NULL,NULL);
INSERT INTO outbox VALUES(7,'a63|opens|2022-08-01|1',7,63,1,'opens','2022-08-01','',45,'[]',0,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','1',0,NULL,NULL);
INSERT INTO outbox VALUES(8,'a84|period_open|2022-07-01|2',9,84,2,'period_open','2022-07-01','2022-Q3',91,'[]',1,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','2',0,NULL,NULL);
INSERT INTO outbox VALUES(9,'a89|period_open|2022-07-01|3',9,89,3,'period_open','2022-07-01','2022-Q3',91,'[]',1,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','3',0,NULL,NULL);
INSERT INTO outbox VALUES(10,'t10|needs_deadline|2022-08-01|2',10,NULL,2,'needs_deadline','2022-08-01','',0,'[]',0,'sent','2022-08-01 01:00:00',NULL,NULL,'2022-08-01 01:00:00.000000','2',0,NULL,NULL);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_failed_attempts_sender ON failed_attempts (channel, user_id, at);
CREATE INDEX ix_people_unit_id ON people (unit_id);
CREATE INDEX ix_assignments_task_id ON assignments (task_id);
CREATE INDEX ix_assignments_unit_id ON assignments (unit_id);
CREATE INDEX ix_contacts_person_id ON contacts (person_id);
CREATE INDEX ix_confirmations_assignment ON confirmations (assignment_id, period);
CREATE INDEX ix_outbox_contact_id ON outbox (contact_id);
CREATE INDEX ix_outbox_pending ON outbox (status, next_attempt_at);
COMMIT;
