package dev.notionsync.sim;

/** The pages of the seeded knowledge base ({@link WorkspaceSeeder#seedKnowledgeBase}): title, category, enhanced markdown. */
final class KnowledgeArticles {

    private KnowledgeArticles() {
    }

    static final String[][] ALL = {
        {"Support persona: Nova", "Persona", """
            # Who Nova is
            Nova answers **customer support** questions for Northwind Studio, in a calm and *precise* voice.
            ## Tone
            - Friendly, never casual
            - Short answers first, details on request
            \t- Offer a link to the docs when one exists
            > Never promise a delivery date the project board does not show.
            ## Escalation
            1. Billing questions go to Revenue operations
            2. Outages go to the on-call engineer
            3. Everything else stays with Nova
            """},
        {"Incident playbook", "Playbook", """
            # Incident playbook
            <callout icon="🚨">
            \tPage the on-call engineer first, then open the incident channel.
            </callout>
            ## Checklist
            - [x] Acknowledge the alert
            - [ ] Post a status update every 30 minutes
            - [ ] Write the post-mortem within 5 days
            ## Commands
            ```bash
            kubectl -n notion-sync rollout restart deployment/notion-sync
            kubectl -n notion-sync logs -l app=notion-sync --since=10m
            ```
            ## Severity
            <table header-row="true" header-column="false">
            \t<tr>
            \t\t<td>Level</td>
            \t\t<td>Meaning</td>
            \t\t<td>Response</td>
            \t</tr>
            \t<tr>
            \t\t<td>SEV1</td>
            \t\t<td>Customers cannot work</td>
            \t\t<td>15 minutes</td>
            \t</tr>
            \t<tr>
            \t\t<td>SEV2</td>
            \t\t<td>A feature is degraded</td>
            \t\t<td>1 hour</td>
            \t</tr>
            </table>
            """},
        {"Weekly sync 2026-11-30", "Meeting notes", """
            # Weekly sync
            Attendees: Ada, Ben, Chloé
            <details>
            <summary>Projects</summary>
            \t- Atlas is in review
            \t<details>
            \t<summary>Risks</summary>
            \t\t- The vendor API changes in January
            \t\t<details>
            \t\t<summary>Mitigation</summary>
            \t\t\tPin the client version until the migration is tested.
            \t\t</details>
            \t</details>
            </details>
            <details>
            <summary>Decisions</summary>
            \t- [x] Move the launch to December 9
            </details>
            ---
            Next sync: December 7 🗓️
            """},
        {"Prompt library", "Prompt", """
            # Prompt library
            ## Summarise a ticket
            ```plain text
            Summarise the ticket below in three bullet points, then say which team owns it.
            ```
            ## Draft a reply
            ```plain text
            Write a reply to the customer. Keep it under 120 words. Quote the order number.
            ```
            """},
        {"Glossary", "Onboarding", """
            # Glossary 🌍
            - **Source**: one Notion data source synced into one table
            - **Watermark**: the newest edit a pull has seen
            ## Arabic
            مرحبا بكم في فريق الدعم
            ## Hebrew
            ברוכים הבאים לצוות
            """},
    };
}
