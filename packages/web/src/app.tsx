import { Link, Redirect, Route, Switch, useLocation } from "wouter";
import { AccountPage } from "./account-page.js";
import { UsersPage } from "./admin/users-page.js";
import { ErrorMessage, Loading } from "./components/ui.js";
import { AuditPage } from "./conduct/audit-page.js";
import { MinutesPage } from "./conduct/minutes-page.js";
import { NewTrialPage } from "./conduct/new-trial-page.js";
import { PatientPage } from "./conduct/patient-page.js";
import { TrialPage } from "./conduct/trial-page.js";
import { DesignPage } from "./design/design-page.js";
import { StudiesPage, StudyPage } from "./design/studies-page.js";
import { LoginPage } from "./login-page.js";
import { PortfolioPage } from "./portfolio-page.js";
import { ReportFromFilePage, ReportPage } from "./report/report-page.js";
import { mayRunStudies, useAuth, useSession } from "./session.js";

function Header() {
  const { data: session } = useSession();
  const auth = useAuth();
  const [location, navigate] = useLocation();
  const link = (href: string, label: string) => (
    <Link href={href} aria-current={location === href || (href !== "/" && location.startsWith(href)) ? "page" : undefined}>
      {label}
    </Link>
  );
  return (
    <header className="app-header">
      <nav aria-label="Main">
        <Link href="/" className="brand">
          Escalate
        </Link>
        {link("/design", "Design")}
        {link("/trials", "Trials")}
        {link("/reports", "Reports")}
        {mayRunStudies(session) && link("/simulations", "Simulations")}
        {session?.user.admin && link("/admin/users", "Accounts")}
      </nav>
      <div className="user">
        {session ? (
          <>
            <Link href="/account" aria-current={location === "/account" ? "page" : undefined} title="Your account">
              {session.user.name}
            </Link>
            <button
              type="button"
              onClick={async () => {
                await auth.logout();
                navigate("/login");
              }}
            >
              Log out
            </button>
          </>
        ) : (
          <Link href="/login">Log in</Link>
        )}
      </div>
    </header>
  );
}

/** Pages that need a session send the user to log in first, and back afterwards. */
function RequireSession({ children }: { children: React.ReactNode }) {
  const { data: session, isLoading, error } = useSession();
  const [location] = useLocation();
  if (isLoading) return <Loading what="your session" />;
  if (error) return <ErrorMessage error={error} />;
  if (!session) return <Redirect to={`/login?next=${encodeURIComponent(location)}`} />;
  return <>{children}</>;
}

export function App() {
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main">
        <Switch>
          <Route path="/">
            <Redirect to="/design" />
          </Route>
          <Route path="/design" component={DesignPage} />
          <Route path="/login" component={LoginPage} />
          <Route path="/reports" component={ReportFromFilePage} />
          <Route path="/trials">
            <RequireSession>
              <PortfolioPage />
            </RequireSession>
          </Route>
          <Route path="/trials/new">
            <RequireSession>
              <NewTrialPage />
            </RequireSession>
          </Route>
          <Route path="/trials/:trialId">
            {(params) => (
              <RequireSession>
                <TrialPage trialId={params.trialId} />
              </RequireSession>
            )}
          </Route>
          <Route path="/simulations">
            <RequireSession>
              <StudiesPage />
            </RequireSession>
          </Route>
          <Route path="/simulations/:jobId">
            {(params) => (
              <RequireSession>
                <StudyPage jobId={params.jobId} />
              </RequireSession>
            )}
          </Route>
          <Route path="/account">
            <RequireSession>
              <AccountPage />
            </RequireSession>
          </Route>
          <Route path="/admin/users">
            <RequireSession>
              <UsersPage />
            </RequireSession>
          </Route>
          <Route path="/trials/:trialId/decisions/:decisionId/minutes">
            {(params) => (
              <RequireSession>
                <MinutesPage trialId={params.trialId} decisionId={params.decisionId} />
              </RequireSession>
            )}
          </Route>
          <Route path="/trials/:trialId/audit">
            {(params) => (
              <RequireSession>
                <AuditPage trialId={params.trialId} />
              </RequireSession>
            )}
          </Route>
          <Route path="/trials/:trialId/report">
            {(params) => (
              <RequireSession>
                <ReportPage trialId={params.trialId} />
              </RequireSession>
            )}
          </Route>
          <Route path="/trials/:trialId/patients/:usubjid">
            {(params) => (
              <RequireSession>
                <PatientPage trialId={params.trialId} usubjid={decodeURIComponent(params.usubjid)} />
              </RequireSession>
            )}
          </Route>
          <Route>
            <h1>Not found</h1>
            <p>
              There is no page here. <Link href="/design">Design a trial</Link> or <Link href="/trials">open your trials</Link>.
            </p>
          </Route>
        </Switch>
      </main>
    </>
  );
}
