import { createBrowserAuth, type AuthSession } from '@supa2aws/runtime/browser-auth';
import { loadConfig } from './config.ts';

interface Project {
  id: string;
  title: string;
  cover_image_url: string | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const config = await loadConfig();
const auth = createBrowserAuth({
  userPoolId: config.userPoolId,
  userPoolClientId: config.userPoolClientId,
  ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}),
});

/** What Aiuteur's services call getAuthHeaders(): the bearer token from the current session. */
async function getAuthHeaders(): Promise<Record<string, string>> {
  const { data } = await auth.getSession();
  return data.session ? { Authorization: `Bearer ${data.session.access_token}` } : {};
}

async function showProjects(): Promise<void> {
  const response = await fetch(`${config.apiBaseUrl}/projects`, { headers: await getAuthHeaders() });
  if (!response.ok) throw new Error(`GET /projects answered ${response.status}`);
  const { projects } = (await response.json()) as { projects: Project[] };
  const list = $('projects');
  list.replaceChildren(
    ...projects.map((p) => {
      const item = document.createElement('li');
      item.textContent = p.title;
      return item;
    }),
  );
  const withImage = projects.find((p) => p.cover_image_url);
  if (withImage?.cover_image_url) {
    $<HTMLImageElement>('project-image').src = withImage.cover_image_url;
    $('project-title').textContent = withImage.title;
    $('project-figure').hidden = false;
  }
}

function render(session: AuthSession | null): void {
  $('sign-in-form').hidden = session !== null;
  $('signed-in').hidden = session === null;
  $('status').textContent = session ? 'Signed in' : 'Signed out';
  if (session) {
    $('user-email').textContent = session.user.email ?? '';
    $('user-id').textContent = session.user.id;
    showProjects().catch((error: Error) => ($('status').textContent = error.message));
  } else {
    $('projects').replaceChildren();
    $('project-figure').hidden = true;
  }
}

auth.onAuthStateChange((_event, session) => render(session));

$('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  $('error').textContent = '';
  void auth
    .signInWithPassword({
      email: $<HTMLInputElement>('email').value,
      password: $<HTMLInputElement>('password').value,
    })
    .then(({ error }) => {
      if (error) $('error').textContent = `${error.code}: ${error.message}`;
    });
});

$('sign-out').addEventListener('click', () => void auth.signOut());
