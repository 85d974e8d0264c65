/*  cmd_web.c — fsdctl web user add|passwd|remove: the people who log in to
    fsd-web. Each has their own CURVE key pair, registered with fsd-server
    under their name (so rights, scopes and the audit trail name them) and
    kept in the users file with the secret half sealed by their password. */
#include "args.h"
#include "ctl.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "../web/webusers.h"
#include "fsd/wire.h"

#define WEB_TERRITORIES_MAX 64

static const char *s_usage =
    "usage: fsdctl web user add NAME --role dispatcher|intake|admin [--provider P]\n"
    "                           [--territory T[,T2...]]... [--password-file F] [--users FILE]\n"
    "       fsdctl web user passwd NAME [--password-file F] [--users FILE]\n"
    "       fsdctl web user remove NAME [--users FILE]\n\n"
    "add: makes NAME's key pair, registers its public key with fsd-server (your admin\n"
    "key) with the role and scope given, and keeps it in the users file sealed with\n"
    "the password (asked twice on the terminal, or the first line of F).\n"
    "passwd: a new password, with a new key pair registered in place of the old one\n"
    "(role and scope kept). remove: revokes NAME's key on the server and deletes NAME.\n"
    "--users defaults to $FSD_HOME/web-users.db. Passwords have at least 8 characters.\n";

/* Prints one JSON document on stdout (and drops it). */
static void s_print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (text)
        puts(text);
    free(text);
    json_decref(j);
}

/* Reads a password: the first line of file, or twice from the terminal. */
static int s_password(ctl *c, const char *file, char *out, size_t len)
{
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f || !fgets(out, (int)len, f)) {
            if (f)
                fclose(f);
            return ctl_fail(c, 1, "password", "cannot read a password from %s", file);
        }
        fclose(f);
    } else {
        char again[256];
        struct termios old, quiet;
        bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
        if (tty) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
            fputs("password: ", stderr);
        }
        bool ok = fgets(out, (int)len, stdin) != NULL;
        if (tty) {
            fputs("\nagain: ", stderr);
            ok = ok && fgets(again, sizeof again, stdin) != NULL;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
            fputc('\n', stderr);
            if (ok && strcmp(out, again) != 0)
                ok = false;
            sodium_memzero(again, sizeof again);
        }
        if (!ok)
            return ctl_fail(c, 1, "password", "no password given, or the two did not match");
    }
    out[strcspn(out, "\r\n")] = '\0';
    if (strlen(out) < WEBUSER_PASSWORD_MIN)
        return ctl_fail(c, 2, "password", "a password needs at least %d characters", WEBUSER_PASSWORD_MIN);
    return 0;
}

/* Registers kp under who's name, role and scope (AddPrincipal). */
static int s_register(ctl *c, const fsd_keypair *kp, const webuser *who)
{
    char *terr[WEB_TERRITORIES_MAX];
    size_t n = 0;
    char list[sizeof who->territories];
    snprintf(list, sizeof list, "%s", who->territories);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t && n < WEB_TERRITORIES_MAX;
         t = strtok_r(NULL, ",", &save))
        terr[n++] = t;
    Fsd__AddPrincipal ap = FSD__ADD_PRINCIPAL__INIT;
    ap.public_key = (char *)kp->pub;
    ap.name = (char *)who->name;
    ap.role = (Fsd__Role)wire_enum_value(&fsd__role__descriptor, who->role);
    ap.provider_id = (char *)who->provider;
    ap.territories = terr;
    ap.n_territories = n;
    return ctl_ask(c, FSD__ENVELOPE__BODY_ADD_PRINCIPAL, &ap, FSD__ENVELOPE__BODY_PRINCIPAL_ADDED, NULL,
                   NULL);
}

/* Makes a key pair for who, registers it, and seals it into the file. */
static int s_put(ctl *c, webusers *u, const webuser *in, const char *pwfile, bool replace)
{
    char password[256], err[512];
    int rc = s_password(c, pwfile, password, sizeof password);
    if (rc)
        return rc;
    fsd_keypair kp;
    if (keys_generate(&kp) < 0) {
        sodium_memzero(password, sizeof password);
        return ctl_fail(c, 1, "keygen", "cannot generate a CURVE key pair");
    }
    webuser who = *in;
    snprintf(who.pub, sizeof who.pub, "%s", kp.pub);
    rc = s_register(c, &kp, &who);
    if (rc == 0 && webusers_put(u, &who, kp.sec, password, replace, err, sizeof err) < 0)
        rc = ctl_fail(c, 1, "users", "%s (the key is registered: run fsdctl key revoke %s)", err, who.name);
    sodium_memzero(password, sizeof password);
    sodium_memzero(&kp, sizeof kp);
    if (rc == 0) {
        if (c->json)
            s_print_json(json_pack("{s:s, s:s, s:s, s:b}", "user", who.name, "role", who.role, "public_key",
                                   who.pub, "replaced", replace));
        else
            printf("%s web user %s (%s), key registered with the server\n",
                   replace ? "new password for" : "added", who.name, who.role);
    }
    return rc;
}

static int s_remove(ctl *c, webusers *u, const char *name)
{
    webuser w;
    if (webusers_get(u, name, &w) != 0)
        return ctl_fail(c, 1, "not_found", "no web user %s", name);
    Fsd__RevokeKey rk = FSD__REVOKE_KEY__INIT;
    rk.name = (char *)name;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_REVOKE_KEY;
    env.revoke_key = &rk;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    /* a key the server no longer knows is as good as revoked */
    bool gone =
        rep->body_case == FSD__ENVELOPE__BODY_ERROR && rep->error->code == FSD__ERROR_CODE__ERR_NOT_FOUND;
    int rc = gone ? 0 : ctl_expect(c, rep, FSD__ENVELOPE__BODY_KEY_LIST);
    fsd__envelope__free_unpacked(rep, NULL);
    if (rc)
        return rc;
    if (webusers_remove(u, name) < 0)
        return ctl_fail(c, 1, "users", "the key of %s is revoked but the users file could not be changed",
                        name);
    if (c->json)
        s_print_json(json_pack("{s:s, s:b}", "user", name, "removed", 1));
    else
        printf("removed web user %s; its key is revoked\n", name);
    return 0;
}

int cmd_web(ctl *c, int argc, char **argv)
{
    ctl_args a;
    if (argc < 2 || strcmp(argv[1], "user") != 0) {
        if (ctl_args_simple(&a, c, argc, argv, s_usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "user is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not user", argv[1]);
    }
    char name[32];
    snprintf(name, sizeof name, "web user");
    argv[1] = name;
    const char *verb = argc >= 3 ? argv[2] : "";
    bool add = strcmp(verb, "add") == 0, passwd = strcmp(verb, "passwd") == 0,
         remove = strcmp(verb, "remove") == 0;
    if (!add && !passwd && !remove) {
        if (ctl_args_simple(&a, c, argc - 1, argv + 1, s_usage, NULL, NULL, 0, "") || argc < 3)
            return argc < 3 ? ctl_args_fail(&a, "add, passwd or remove is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not add, passwd or remove", verb);
    }
    snprintf(name, sizeof name, "web user %s", verb);
    argv[2] = name;
    /* add takes them all, passwd the last two, remove the last one */
    static const struct option opts[] = {
        { "role", 1, 0, 'r' },          { "provider", 1, 0, 'P' }, { "territory", 1, 0, 'T' },
        { "password-file", 1, 0, 'p' }, { "users", 1, 0, 'u' },    { 0, 0, 0, 0 },
    };
    const char *pwfile = NULL;
    char users_default[4096];
    snprintf(users_default, sizeof users_default, "%s/web-users.db", c->home);
    const char *users_path = users_default;
    webuser who;
    memset(&who, 0, sizeof who);
    ctl_args_begin(&a, c, argc - 2, argv + 2, s_usage, add ? opts : passwd ? opts + 3 : opts + 4);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'r': snprintf(who.role, sizeof who.role, "%s", optarg); break;
        case 'P': snprintf(who.provider, sizeof who.provider, "%s", optarg); break;
        case 'T': {
            size_t n = strlen(who.territories);
            snprintf(who.territories + n, sizeof who.territories - n, "%s%s", n ? "," : "", optarg);
            break;
        }
        case 'p': pwfile = optarg; break;
        case 'u': users_path = optarg; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 1, 1, "NAME"))
        return a.status;
    const char *user = a.pos[0];
    if (strlen(user) >= sizeof who.name || !user[0] || strpbrk(user, "#:"))
        return ctl_args_fail(&a, "NAME has at most %zu characters and no '#' or ':', not '%s'",
                             sizeof who.name - 1, user);
    snprintf(who.name, sizeof who.name, "%s", user);
    if (add) {
        int r = wire_enum_value(&fsd__role__descriptor, who.role);
        if (r != FSD__ROLE__ROLE_DISPATCHER && r != FSD__ROLE__ROLE_INTAKE && r != FSD__ROLE__ROLE_ADMIN)
            return ctl_args_fail(&a, "--role must be dispatcher, intake or admin");
    }
    char err[512];
    webusers *u = webusers_open(users_path, add, err, sizeof err);
    if (!u)
        return ctl_fail(c, 1, "users", "%s", err);
    int rc;
    webuser old;
    int known = webusers_get(u, who.name, &old);
    if (add && known == 0)
        rc = ctl_fail(c, 1, "exists", "a web user %s exists already (passwd changes the password)", who.name);
    else if (!add && known != 0)
        rc = ctl_fail(c, 1, "not_found", "no web user %s", who.name);
    else if (remove)
        rc = s_remove(c, u, who.name);
    else
        rc = s_put(c, u, passwd ? &old : &who, pwfile, passwd);
    webusers_close(&u);
    return rc;
}
