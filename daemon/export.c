#include "export.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pbjson.h"

/* ---- buffer ---- */

void xbuf_put_grow(struct xbuf *b, const void *s, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void xbuf_puts(struct xbuf *b, const char *s)
{
	if (s)
		xbuf_put(b, s, strlen(s));
}

void xbuf_free(struct xbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int export_format_parse(const char *s, enum export_format *out)
{
	if (!s || !*s || strcmp(s, "csv") == 0)
		*out = EXPORT_CSV;
	else if (strcmp(s, "vcard") == 0 || strcmp(s, "vcf") == 0)
		*out = EXPORT_VCARD;
	else
		return -1;
	return 0;
}

int export_delimiter_parse(const char *s, char *out)
{
	if (!s || !*s)
		*out = ',';
	else if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
		*out = '\t';
	else if (s[1] == '\0' && strchr(",;\t|", s[0]))
		*out = s[0];
	else
		return -1;
	return 0;
}

/* ---- the custom fields of an export ---- */

/* In the order the fields were defined: by the definition's number, which
 * no clock set back can reorder; the fields defined before it was kept (0)
 * first, by second, then by name. */
static int cmp_created(const void *pa, const void *pb)
{
	const Kart__FieldDef *a = *(Kart__FieldDef *const *)pa, *b = *(Kart__FieldDef *const *)pb;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->created_at != b->created_at)
		return a->created_at < b->created_at ? -1 : 1;
	return strcmp(a->name ? a->name : "", b->name ? b->name : "");
}

static int cmp_by_name(const void *pa, const void *pb)
{
	return strcmp(((const struct export_field_name *)pa)->name, ((const struct export_field_name *)pb)->name);
}

int export_fields_init(struct export_fields *f, struct arena *a, Kart__FieldDef *const *defs, size_t n)
{
	memset(f, 0, sizeof(*f));
	size_t k = 0;
	Kart__FieldDef **cols = arena_alloc(a, (n + 1) * sizeof(*cols));
	struct export_field_name *idx = arena_alloc(a, (n + 1) * sizeof(*idx));
	f->vals = arena_alloc(a, (n + 1) * sizeof(*f->vals));
	if (!cols || !idx || !f->vals)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (defs[i] && defs[i]->name && *defs[i]->name)
			cols[k++] = defs[i];
	qsort(cols, k, sizeof(*cols), cmp_created);
	for (size_t i = 0; i < k; i++)
		idx[i] = (struct export_field_name){ cols[i]->name, (uint32_t)i };
	qsort(idx, k, sizeof(*idx), cmp_by_name);
	f->defs = cols;
	f->n = k;
	f->by_name = idx;
	return 0;
}

void export_fields_free(struct export_fields *f)
{
	xbuf_free(&f->tmp);
	xbuf_free(&f->line);
}

/* The column of custom field `name`, or -1. */
static long field_col(const struct export_fields *f, const char *name)
{
	const struct export_field_name *idx = f->by_name;
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(idx[mid].name, name);
		if (c == 0)
			return idx[mid].col;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The card's custom values into f->vals, by column ("" where it has none). */
void export_field_values(struct export_fields *f, const Kart__Card *c)
{
	for (size_t i = 0; i < f->n; i++)
		f->vals[i] = "";
	for (size_t i = 0; i < c->n_custom; i++) {
		const Kart__CustomValue *v = c->custom[i];
		long col = v && v->field && v->value ? field_col(f, v->field) : -1;
		if (col >= 0)
			f->vals[col] = v->value;
	}
}

/* A custom value as `kart card show` prints it and `--set` takes it back:
 * booleans yes/no, a multienum's values joined with ", ", a number with
 * `point` for its decimal point; a masked "***" and anything else as it is. */
void export_custom_text(struct xbuf *t, const Kart__FieldDef *d, const char *v, char point)
{
	switch (d->type) {
	case KART__FIELD_TYPE__FIELD_TYPE_BOOL:
		xbuf_puts(t, strcmp(v, "true") == 0 ? "yes" : strcmp(v, "false") == 0 ? "no" : v);
		return;
	case KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM:
		for (const char *p = v; *p; p++) {
			if (*p != ',') {
				xbuf_put(t, p, 1);
				continue;
			}
			xbuf_put(t, ", ", 2);
			while (p[1] == ' ')
				p++;
		}
		return;
	case KART__FIELD_TYPE__FIELD_TYPE_NUMBER: {
		/* canonical: -?digits(.digits)? */
		bool number = *v != '\0';
		for (const char *p = v; *p && number; p++)
			number = (*p >= '0' && *p <= '9') || *p == '.' || (*p == '-' && p == v);
		const char *dot = number ? strchr(v, '.') : NULL;
		if (!dot || point == '.') {
			xbuf_puts(t, v);
			return;
		}
		xbuf_put(t, v, (size_t)(dot - v));
		xbuf_put(t, &point, 1);
		xbuf_puts(t, dot + 1);
		return;
	}
	default:
		xbuf_puts(t, v);
	}
}

/* ---- CSV ---- */

static const char *const columns[] = {
	"id",	"last_name", "first_name", "middle_name", "company", "position",   "phones",	 "emails",
	"city", "address",   "birthday",   "tags",	  "sector",  "owner",	   "gender", "messengers",
	"lifecycle",
};

void export_csv_header(struct xbuf *b, char delim, const struct export_fields *f)
{
	xbuf_put(b, "\xEF\xBB\xBF", 3);
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		if (i)
			xbuf_put(b, &delim, 1);
		xbuf_puts(b, columns[i]);
	}
	for (size_t i = 0; f && i < f->n; i++) {
		xbuf_put(b, &delim, 1);
		export_csv_cell(b, f->defs[i]->name, delim);
	}
	xbuf_put(b, "\r\n", 2);
}

void export_csv_cell(struct xbuf *b, const char *s, char delim)
{
	s = s ? s : "";
	/* one pass for the length and whether it needs quotes (the delimiter,
	 * or one of three bytes at or below '"'): strlen, strchr and a loop of
	 * their own took a third of the rows' CPU time */
	size_t n = 0;
	bool quote = false;
	for (unsigned char ch; (ch = (unsigned char)s[n]) != '\0'; n++)
		if ((ch <= '"' || ch == (unsigned char)delim) &&
		    (ch == (unsigned char)delim || ch == '"' || ch == '\r' || ch == '\n'))
			quote = true;
	/* the formula guard looks further only at a cell that starts like one */
	bool neutral = false;
	switch (s[0]) {
	case '=':
	case '+':
	case '-':
	case '@':
	case '\t':
	case '\r':
		neutral = text_csv_formula(s);
		break;
	}
	if (quote)
		xbuf_put(b, "\"", 1);
	if (neutral)
		xbuf_put(b, "'", 1);
	if (!quote) {
		xbuf_put(b, s, n);
		return;
	}
	for (const char *p = s; *p;) {
		size_t k = strcspn(p, "\"");
		xbuf_put(b, p, k);
		p += k;
		if (*p == '"') {
			xbuf_put(b, "\"\"", 2);
			p++;
		}
	}
	xbuf_put(b, "\"", 1);
}

/* A cell from what tmp holds (reset after). */
static void csv_tmp_cell(struct xbuf *b, struct xbuf *tmp, char delim)
{
	xbuf_put(tmp, "", 1);
	export_csv_cell(b, tmp->oom || !tmp->p ? "" : tmp->p, delim);
	if (tmp->oom)
		b->oom = true;
	tmp->len = 0;
	tmp->oom = false;
}

/* A list joined with ", " as one cell. */
static void csv_list(struct xbuf *b, struct xbuf *tmp, char *const *v, size_t n, char delim)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			xbuf_put(tmp, ", ", 2);
		xbuf_puts(tmp, v[i]);
	}
	csv_tmp_cell(b, tmp, delim);
}

/* An enum by the short name `card show` prints and `--set` takes; "" for none. */
const char *export_enum_text(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t n)
{
	return v ? pbjson_enum_name(d, v, buf, n) : "";
}

const char *export_sector_name(Kart__Sector s, char *buf, size_t n)
{
	return export_enum_text(&kart__sector__descriptor, (int)s, buf, n);
}

/* v in decimal into d (room for 21): snprintf took as long as a cell */
static void u64_text(uint64_t v, char *d)
{
	char t[20];
	size_t n = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (size_t i = 0; i < n; i++)
		d[i] = t[n - 1 - i];
	d[n] = '\0';
}

void export_csv_row(struct xbuf *b, const Kart__Card *c, char delim, struct export_fields *f)
{
	char id[24], sector[16], e[32];
	/* an export's rows share one scratch buffer: no allocation per row */
	struct xbuf own = { 0 }, *tp = f ? &f->tmp : &own, tmp = *tp;
	tmp.len = 0;
	tmp.oom = false;
	u64_text(c->id, id);
	const char *cells1[] = { id, c->last_name, c->first_name, c->middle_name, c->company, c->position };
	for (size_t i = 0; i < 6; i++) {
		if (i)
			xbuf_put(b, &delim, 1);
		export_csv_cell(b, cells1[i], delim);
	}
	xbuf_put(b, &delim, 1);
	csv_list(b, &tmp, c->phones, c->n_phones, delim);
	xbuf_put(b, &delim, 1);
	csv_list(b, &tmp, c->emails, c->n_emails, delim);
	const char *cells2[] = { c->city, c->address, c->birthday };
	for (size_t i = 0; i < 3; i++) {
		xbuf_put(b, &delim, 1);
		export_csv_cell(b, cells2[i], delim);
	}
	xbuf_put(b, &delim, 1);
	csv_list(b, &tmp, c->tags, c->n_tags, delim);
	xbuf_put(b, &delim, 1);
	export_csv_cell(b, export_sector_name(c->sector, sector, sizeof(sector)), delim);
	xbuf_put(b, &delim, 1);
	export_csv_cell(b, c->owner, delim);
	xbuf_put(b, &delim, 1);
	export_csv_cell(b, export_enum_text(&kart__gender__descriptor, (int)c->gender, e, sizeof(e)), delim);
	xbuf_put(b, &delim, 1);
	/* kind:handle, as card show prints them and --set messengers= takes them */
	for (size_t i = 0; i < c->n_messengers; i++) {
		const Kart__Messenger *m = c->messengers[i];
		if (i)
			xbuf_put(&tmp, ", ", 2);
		xbuf_puts(&tmp, m->kind);
		xbuf_put(&tmp, ":", 1);
		xbuf_puts(&tmp, m->handle);
	}
	csv_tmp_cell(b, &tmp, delim);
	xbuf_put(b, &delim, 1);
	export_csv_cell(b, export_enum_text(&kart__lifecycle__descriptor, (int)c->lifecycle, e, sizeof(e)), delim);
	if (f && f->n) {
		/* Russian Excel reads 12,5 where the list separator is ';' */
		char point = delim == ';' ? ',' : '.';
		export_field_values(f, c);
		for (size_t i = 0; i < f->n; i++) {
			xbuf_put(b, &delim, 1);
			export_custom_text(&tmp, f->defs[i], f->vals[i], point);
			csv_tmp_cell(b, &tmp, delim);
		}
	}
	xbuf_put(b, "\r\n", 2);
	tmp.len = 0;
	*tp = tmp;
	xbuf_free(&own);
}

/* ---- records ---- */

Kart__ExportRecord *export_record_copy(struct arena *a, const Kart__ExportRecord *e)
{
	Kart__ExportRecord *o = arena_alloc(a, sizeof(*o));
	if (!o)
		return NULL;
	*o = *e;
	o->canary_rows = NULL;
	o->n_canary_rows = 0;
	o->user = arena_strdup(a, e->user ? e->user : "");
	o->client = arena_strdup(a, e->client ? e->client : "");
	o->filter = arena_strdup(a, e->filter ? e->filter : "");
	o->format = arena_strdup(a, e->format ? e->format : "");
	o->fingerprint = arena_strdup(a, e->fingerprint ? e->fingerprint : "");
	o->delimiter = arena_strdup(a, e->delimiter ? e->delimiter : "");
	o->state = arena_strdup(a, e->state && *e->state ? e->state : "done");
	o->failure = arena_strdup(a, e->failure ? e->failure : "");
	if (!o->user || !o->client || !o->filter || !o->format || !o->fingerprint || !o->delimiter || !o->state ||
	    !o->failure)
		return NULL;
	return o;
}

/* ---- hashes and blobs ---- */

uint64_t export_contact_hash(char kind, const char *s)
{
	/* FNV-1a, then a 64-bit finalizer (splitmix64) to spread the bits */
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	h = (h ^ (uint8_t)kind) * UINT64_C(0x100000001b3);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	h = (h & ~UINT64_C(1)) | (kind == 'e');
	return h ? h : 2; /* 0 marks a free slot in leak.c's set */
}

int export_blob_view(const void *p, size_t len, struct export_blob *out)
{
	struct export_blob_head h;
	if (len < sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	if (h.magic != EXPORT_BLOB_MAGIC || h.ncards > len / 8 || h.nentries > len / 12 ||
	    sizeof(h) + h.ncards * 8 + h.nentries * 12 != len)
		return -1;
	out->ncards = h.ncards;
	out->nentries = h.nentries;
	out->sorted = h.flags & EXPORT_BLOB_SORTED;
	out->ids = (const uint8_t *)p + sizeof(h);
	out->hashes = out->ids + h.ncards * 8;
	out->cards = out->hashes + h.nentries * 8;
	return 0;
}

uint64_t export_blob_id(const struct export_blob *b, uint64_t i)
{
	uint64_t v;
	memcpy(&v, b->ids + i * 8, 8);
	return v;
}

uint64_t export_blob_hash(const struct export_blob *b, uint64_t i)
{
	uint64_t v;
	memcpy(&v, b->hashes + i * 8, 8);
	return v;
}

uint32_t export_blob_card(const struct export_blob *b, uint64_t i)
{
	uint32_t v;
	memcpy(&v, b->cards + i * 4, 4);
	return v;
}

bool export_blob_has(const struct export_blob *b, uint64_t id)
{
	if (!b->sorted) {
		for (uint64_t i = 0; i < b->ncards; i++)
			if (export_blob_id(b, i) == id)
				return true;
		return false;
	}
	uint64_t lo = 0, hi = b->ncards;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2, v = export_blob_id(b, mid);
		if (v == id)
			return true;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* ---- canaries ---- */

struct name {
	const char *ru, *lat;
};

static const struct name male_first[] = {
	{ "Александр", "aleksandr" }, { "Алексей", "aleksei" }, { "Андрей", "andrei" }, { "Антон", "anton" },
	{ "Артём", "artem" }, { "Борис", "boris" }, { "Вадим", "vadim" }, { "Валерий", "valerii" },
	{ "Виктор", "viktor" }, { "Виталий", "vitalii" }, { "Владимир", "vladimir" }, { "Вячеслав", "viacheslav" },
	{ "Геннадий", "gennadii" }, { "Георгий", "georgii" }, { "Григорий", "grigorii" }, { "Денис", "denis" },
	{ "Дмитрий", "dmitrii" }, { "Евгений", "evgenii" }, { "Егор", "egor" }, { "Иван", "ivan" },
	{ "Игорь", "igor" }, { "Илья", "ilia" }, { "Кирилл", "kirill" }, { "Константин", "konstantin" },
	{ "Леонид", "leonid" }, { "Максим", "maksim" }, { "Михаил", "mikhail" }, { "Никита", "nikita" },
	{ "Николай", "nikolai" }, { "Олег", "oleg" }, { "Павел", "pavel" }, { "Пётр", "petr" },
	{ "Роман", "roman" }, { "Руслан", "ruslan" }, { "Семён", "semen" }, { "Сергей", "sergei" },
	{ "Станислав", "stanislav" }, { "Степан", "stepan" }, { "Тимур", "timur" }, { "Фёдор", "fedor" },
	{ "Юрий", "iurii" }, { "Ярослав", "iaroslav" },
};

static const struct name female_first[] = {
	{ "Алла", "alla" }, { "Алёна", "alena" }, { "Алина", "alina" }, { "Анастасия", "anastasiia" },
	{ "Анна", "anna" }, { "Валентина", "valentina" }, { "Вера", "vera" }, { "Виктория", "viktoriia" },
	{ "Галина", "galina" }, { "Дарья", "daria" }, { "Евгения", "evgeniia" }, { "Екатерина", "ekaterina" },
	{ "Елена", "elena" }, { "Елизавета", "elizaveta" }, { "Жанна", "zhanna" }, { "Зоя", "zoia" },
	{ "Инна", "inna" }, { "Ирина", "irina" }, { "Карина", "karina" }, { "Кристина", "kristina" },
	{ "Ксения", "kseniia" }, { "Лариса", "larisa" }, { "Лидия", "lidiia" }, { "Любовь", "liubov" },
	{ "Людмила", "liudmila" }, { "Маргарита", "margarita" }, { "Марина", "marina" }, { "Мария", "mariia" },
	{ "Надежда", "nadezhda" }, { "Наталья", "natalia" }, { "Нина", "nina" }, { "Оксана", "oksana" },
	{ "Ольга", "olga" }, { "Полина", "polina" }, { "Светлана", "svetlana" }, { "София", "sofiia" },
	{ "Тамара", "tamara" }, { "Татьяна", "tatiana" }, { "Юлия", "iuliia" }, { "Яна", "iana" },
};

/* patronymics: the male form; the female one replaces the final "ич" by "на" */
static const char *const patronymics[] = {
	"Александрович", "Алексеевич", "Андреевич", "Анатольевич", "Борисович", "Валерьевич", "Васильевич",
	"Викторович", "Владимирович", "Геннадьевич", "Григорьевич", "Дмитриевич", "Евгеньевич", "Иванович",
	"Игоревич", "Константинович", "Михайлович", "Николаевич", "Олегович", "Павлович", "Петрович",
	"Романович", "Сергеевич", "Степанович", "Юрьевич", "Фёдорович", "Аркадьевич", "Вадимович",
};

/* surnames: the male form; women's add "а" (and "a") unless it ends in -ко */
static const struct name surnames[] = {
	{ "Смирнов", "smirnov" }, { "Кузнецов", "kuznetsov" }, { "Попов", "popov" }, { "Васильев", "vasilev" },
	{ "Петров", "petrov" }, { "Соколов", "sokolov" }, { "Михайлов", "mikhailov" }, { "Новиков", "novikov" },
	{ "Фёдоров", "fedorov" }, { "Морозов", "morozov" }, { "Волков", "volkov" }, { "Алексеев", "alekseev" },
	{ "Лебедев", "lebedev" }, { "Семёнов", "semenov" }, { "Егоров", "egorov" }, { "Павлов", "pavlov" },
	{ "Козлов", "kozlov" }, { "Степанов", "stepanov" }, { "Николаев", "nikolaev" }, { "Орлов", "orlov" },
	{ "Андреев", "andreev" }, { "Макаров", "makarov" }, { "Никитин", "nikitin" }, { "Захаров", "zakharov" },
	{ "Зайцев", "zaitsev" }, { "Соловьёв", "solovev" }, { "Борисов", "borisov" }, { "Яковлев", "iakovlev" },
	{ "Григорьев", "grigorev" }, { "Романов", "romanov" }, { "Воробьёв", "vorobev" }, { "Сергеев", "sergeev" },
	{ "Кузьмин", "kuzmin" }, { "Фролов", "frolov" }, { "Александров", "aleksandrov" }, { "Дмитриев", "dmitriev" },
	{ "Королёв", "korolev" }, { "Гусев", "gusev" }, { "Киселёв", "kiselev" }, { "Ильин", "ilin" },
	{ "Максимов", "maksimov" }, { "Поляков", "poliakov" }, { "Сорокин", "sorokin" }, { "Виноградов", "vinogradov" },
	{ "Ковалёв", "kovalev" }, { "Белов", "belov" }, { "Медведев", "medvedev" }, { "Антонов", "antonov" },
	{ "Тарасов", "tarasov" }, { "Жуков", "zhukov" }, { "Баранов", "baranov" }, { "Филиппов", "filippov" },
	{ "Комаров", "komarov" }, { "Давыдов", "davydov" }, { "Беляев", "beliaev" }, { "Герасимов", "gerasimov" },
	{ "Богданов", "bogdanov" }, { "Осипов", "osipov" }, { "Сидоров", "sidorov" }, { "Матвеев", "matveev" },
	{ "Титов", "titov" }, { "Марков", "markov" }, { "Миронов", "mironov" }, { "Крылов", "krylov" },
	{ "Куликов", "kulikov" }, { "Карпов", "karpov" }, { "Власов", "vlasov" }, { "Мельников", "melnikov" },
	{ "Денисов", "denisov" }, { "Гаврилов", "gavrilov" }, { "Тихонов", "tikhonov" }, { "Казаков", "kazakov" },
	{ "Афанасьев", "afanasev" }, { "Данилов", "danilov" }, { "Савельев", "savelev" }, { "Тимофеев", "timofeev" },
	{ "Фомин", "fomin" }, { "Чернов", "chernov" }, { "Абрамов", "abramov" }, { "Мартынов", "martynov" },
	{ "Ефимов", "efimov" }, { "Федотов", "fedotov" }, { "Щербаков", "shcherbakov" }, { "Назаров", "nazarov" },
	{ "Калинин", "kalinin" }, { "Исаев", "isaev" }, { "Быков", "bykov" }, { "Маслов", "maslov" },
	{ "Родионов", "rodionov" }, { "Коновалов", "konovalov" }, { "Лазарев", "lazarev" }, { "Воронин", "voronin" },
	{ "Климов", "klimov" }, { "Филатов", "filatov" }, { "Пономарёв", "ponomarev" }, { "Голубев", "golubev" },
	{ "Кудрявцев", "kudriavtsev" }, { "Прохоров", "prokhorov" }, { "Наумов", "naumov" }, { "Потапов", "potapov" },
	{ "Журавлёв", "zhuravlev" }, { "Овчинников", "ovchinnikov" }, { "Трофимов", "trofimov" }, { "Леонов", "leonov" },
	{ "Соболев", "sobolev" }, { "Ермаков", "ermakov" }, { "Колесников", "kolesnikov" }, { "Гончаров", "goncharov" },
	{ "Емельянов", "emelianov" }, { "Никифоров", "nikiforov" }, { "Грачёв", "grachev" }, { "Котов", "kotov" },
	{ "Гришин", "grishin" }, { "Ефремов", "efremov" }, { "Архипов", "arkhipov" }, { "Громов", "gromov" },
	{ "Кириллов", "kirillov" }, { "Малышев", "malyshev" }, { "Панов", "panov" }, { "Моисеев", "moiseev" },
	{ "Румянцев", "rumiantsev" }, { "Акимов", "akimov" }, { "Кондратьев", "kondratev" }, { "Бирюков", "biriukov" },
	{ "Горбунов", "gorbunov" }, { "Анисимов", "anisimov" }, { "Ерёмин", "eremin" }, { "Тихомиров", "tikhomirov" },
	{ "Галкин", "galkin" }, { "Лукьянов", "lukianov" }, { "Михеев", "mikheev" }, { "Скворцов", "skvortsov" },
	{ "Юдин", "iudin" }, { "Белоусов", "belousov" }, { "Нестеров", "nesterov" }, { "Симонов", "simonov" },
	{ "Харитонов", "kharitonov" }, { "Князев", "kniazev" }, { "Цветков", "tsvetkov" }, { "Левин", "levin" },
	{ "Воронов", "voronov" }, { "Аксёнов", "aksenov" }, { "Мальцев", "maltsev" }, { "Логинов", "loginov" },
	{ "Горшков", "gorshkov" }, { "Савин", "savin" }, { "Краснов", "krasnov" }, { "Майоров", "maiorov" },
	{ "Демидов", "demidov" }, { "Елисеев", "eliseev" }, { "Рыбаков", "rybakov" }, { "Сафонов", "safonov" },
	{ "Плотников", "plotnikov" }, { "Хохлов", "khokhlov" }, { "Жданов", "zhdanov" }, { "Руднев", "rudnev" },
	{ "Кравченко", "kravchenko" }, { "Шевченко", "shevchenko" }, { "Бондаренко", "bondarenko" },
	{ "Коваленко", "kovalenko" }, { "Ткаченко", "tkachenko" }, { "Литвиненко", "litvinenko" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A little deterministic stream of numbers from the seed. */
struct pick {
	const uint8_t *seed;
	size_t at;
};

static uint32_t pick(struct pick *p, uint32_t n)
{
	uint32_t v = 0;
	for (int i = 0; i < 3; i++)
		v = v << 8 | p->seed[p->at++ % 32];
	return n ? v % n : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void export_canary_person(const uint8_t seed[32], uint32_t attempt, const char *domain, struct arena *a,
			  Kart__CanaryRow *row)
{
	struct pick p = { seed, 0 };
	bool female = pick(&p, 2);
	const struct name *first = female ? &female_first[pick(&p, N(female_first))] : &male_first[pick(&p, N(male_first))];
	const struct name *last = &surnames[pick(&p, N(surnames))];
	const char *pat = patronymics[pick(&p, N(patronymics))];
	bool ko = ends_with(last->ru, "ко");
	row->first_name = (char *)first->ru;
	row->last_name = female && !ko ? arena_printf(a, "%sа", last->ru) : (char *)last->ru;
	if (female) {
		/* "…ович" -> "…овна", "…ич" -> "…на" */
		size_t n = strlen(pat);
		row->middle_name = arena_printf(a, "%.*sна", (int)(n - strlen("ич")), pat);
	} else {
		row->middle_name = (char *)pat;
	}
	int year = 1955 + (int)pick(&p, 48), month = 1 + (int)pick(&p, 12), day = 1 + (int)pick(&p, 28);
	row->birthday = arena_printf(a, "%04d-%02d-%02d", year, month, day);
	char last_lat[64];
	snprintf(last_lat, sizeof(last_lat), "%s%s", last->lat, female && !ko ? "a" : "");
	const char *fl = first->lat;
	char local[128];
	/* the way people choose addresses, with a number more and more likely on each attempt */
	switch (pick(&p, 6)) {
	case 0:
		snprintf(local, sizeof(local), "%s.%s", fl, last_lat);
		break;
	case 1:
		snprintf(local, sizeof(local), "%s.%s", last_lat, fl);
		break;
	case 2:
		snprintf(local, sizeof(local), "%s_%s", fl, last_lat);
		break;
	case 3:
		snprintf(local, sizeof(local), "%c.%s", fl[0], last_lat);
		break;
	case 4:
		snprintf(local, sizeof(local), "%s%c", last_lat, fl[0]);
		break;
	default:
		snprintf(local, sizeof(local), "%s%s", fl, last_lat);
		break;
	}
	char num[24] = "";
	switch ((pick(&p, 4) + attempt) % 4) {
	case 0:
		snprintf(num, sizeof(num), "%02d", year % 100);
		break;
	case 1:
		snprintf(num, sizeof(num), "%d", year);
		break;
	case 2:
		snprintf(num, sizeof(num), "%02u", pick(&p, 100));
		break;
	default:
		snprintf(num, sizeof(num), "%03u", pick(&p, 1000));
		break;
	}
	if (attempt >= 4) {
		/* still taken: more digits */
		size_t l = strlen(num);
		snprintf(num + l, sizeof(num) - l, "%u", attempt * 7 + pick(&p, 1000));
	}
	row->email = arena_printf(a, "%s%s@%s", local, num, domain);
}

/* Mobile codes of the numbering plan for the canary phones. */
static const char *const mobile_codes[] = {
	"958", "966", "969", "970", "971", "992", "993", "994", "995", "996", "999", "901", "904", "908",
};

void export_canary_phone(const uint8_t seed[32], char typed[24], char e164[16])
{
	struct pick p = { seed, 8 };
	const char *code = mobile_codes[pick(&p, N(mobile_codes))];
	uint32_t sub = pick(&p, 10000000);
	if (sub < 1000000)
		sub += 1000000; /* subscriber numbers rarely start with 0 */
	snprintf(e164, 16, "+7%s%07u", code, sub);
	snprintf(typed, 24, "+7 %s %03u-%02u-%02u", code, sub / 10000, sub / 100 % 100, sub % 100);
}

/* The neighbour's custom values a canary takes: masked ones (as masked as
 * theirs) and those of fields that sort people into groups (enum,
 * multienum, bool, number), never text or dates, which may say who someone
 * is, nor a sensitive value the exporter sees. In the neighbour's order. */
static void canary_custom(const Kart__Card *nb, const struct export_fields *f, struct arena *a, Kart__Card *out)
{
	Kart__CustomValue **v = nb->n_custom ? arena_alloc(a, nb->n_custom * sizeof(*v)) : NULL;
	if (!v)
		return;
	size_t n = 0;
	for (size_t i = 0; i < nb->n_custom; i++) {
		const Kart__CustomValue *cv = nb->custom[i];
		long col = cv && cv->field && cv->value && *cv->value && f ? field_col(f, cv->field) : -1;
		if (col < 0)
			continue;
		Kart__FieldType t = f->defs[col]->type;
		bool grouping = t == KART__FIELD_TYPE__FIELD_TYPE_ENUM || t == KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM ||
				t == KART__FIELD_TYPE__FIELD_TYPE_BOOL || t == KART__FIELD_TYPE__FIELD_TYPE_NUMBER;
		if (strcmp(cv->value, "***") == 0 || (grouping && !f->defs[col]->sensitive))
			v[n++] = (Kart__CustomValue *)cv;
	}
	out->custom = v;
	out->n_custom = n;
}

void export_canary_card(const Kart__CanaryRow *row, const Kart__Card *nb, const struct export_fields *f,
			struct arena *a, Kart__Card *out)
{
	kart__card__init(out);
	out->id = row->id;
	out->last_name = row->last_name;
	out->first_name = row->first_name;
	out->middle_name = row->middle_name;
	char **v = arena_alloc(a, 3 * sizeof(char *));
	if (v) {
		v[0] = row->phone;
		v[1] = row->phone_e164;
		v[2] = row->email;
		out->phones = &v[0];
		out->n_phones = 1;
		out->phones_e164 = &v[1];
		out->n_phones_e164 = 1;
		out->emails = &v[2];
		out->n_emails = 1;
	}
	out->birthday = row->birthday;
	if (!nb)
		return;
	out->city = nb->city;
	if (nb->company && *nb->company) {
		/* a colleague of the neighbour: rows of one company often come together */
		static const char *const positions[] = {
			"менеджер", "бухгалтер", "инженер", "специалист", "менеджер по продажам", "юрист",
			"заместитель директора", "главный специалист", "экономист", "начальник отдела",
		};
		out->company = nb->company;
		out->position = (char *)positions[row->id % N(positions)];
	}
	out->tags = nb->tags;
	out->n_tags = nb->n_tags;
	out->sector = nb->sector;
	out->owner = nb->owner;
	/* where the neighbour's sensitive fields are masked, so are the canary's */
	/* a birthday where the neighbour has one, masked where theirs is */
	if (!nb->birthday || !*nb->birthday || strcmp(nb->birthday, "***") == 0)
		out->birthday = nb->birthday;
	if (nb->address && strcmp(nb->address, "***") == 0)
		out->address = nb->address;
	out->lifecycle = nb->lifecycle;
	if (nb->gender) /* a woman's patronymic ends in -на */
		out->gender = ends_with(row->middle_name ? row->middle_name : "", "на") ? KART__GENDER__GENDER_F
										       : KART__GENDER__GENDER_M;
	if (nb->n_messengers) {
		/* one on the canary's own phone, of a kind that takes a phone */
		Kart__Messenger *m = arena_alloc(a, sizeof(*m));
		Kart__Messenger **mv = arena_alloc(a, sizeof(*mv));
		if (m && mv) {
			kart__messenger__init(m);
			const char *k = nb->messengers[0]->kind ? nb->messengers[0]->kind : "";
			m->kind = strcasecmp(k, "telegram") == 0 || strcasecmp(k, "viber") == 0 || strcasecmp(k, "whatsapp") == 0
					  ? (char *)k
					  : (char *)"whatsapp";
			m->handle = row->phone_e164;
			mv[0] = m;
			out->messengers = mv;
			out->n_messengers = 1;
		}
	}
	canary_custom(nb, f, a, out);
}
